#pragma once

#include <QFrame>
#include <QString>

class QLabel;
class QPushButton;

/// The red error line. It floats over the top of its parent (the window's central widget),
/// following the parent's width, so that showing it never pushes the layout; Dismiss hides it.
class ErrorBanner : public QFrame {
  Q_OBJECT

 public:
  explicit ErrorBanner(QWidget* parent);

  void showMessage(const QString& message);
  [[nodiscard]] QString message() const { return message_; }
  [[nodiscard]] QPushButton* dismissButton() const { return dismiss_; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void place();

  QLabel* text_ = nullptr;
  QPushButton* dismiss_ = nullptr;
  QString message_;
};
