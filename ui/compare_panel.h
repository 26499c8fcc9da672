#pragma once

#include <QVector>
#include <QWidget>

#include "worker_types.h"

class AppSettings;
class ImageView;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPushButton;

/// One latent sampled at several step counts, side by side, each labelled with its step count,
/// time, and difference to the highest step count (paper Sec. 5.2: same x_T, same content).
class ComparePanel : public QWidget {
  Q_OBJECT

 public:
  explicit ComparePanel(QWidget* parent = nullptr);

  void setState(bool model, bool busy);
  /// The step counts typed in ("5, 10, 20"); on a bad entry returns {} and sets `error`.
  [[nodiscard]] QVector<int> stepCounts(QString* error) const;
  void setStepCounts(const QVector<int>& counts);
  void begin(const QVector<int>& counts);
  void addItem(const CompareItem& item);
  void setItems(const QVector<CompareItem>& items);
  /// The job ended early: the tiles that never ran say `why` ("cancelled") instead of waiting.
  void markUnfinished(const QString& why);
  /// Says which latent the comparison samples.
  void setSubject(const QString& text);
  [[nodiscard]] QString subjectText() const;
  /// What tile `index` shows in place of an image (its placeholder).
  [[nodiscard]] QString tilePlaceholder(int index) const;
  [[nodiscard]] const QVector<CompareItem>& items() const { return items_; }
  /// The labelled grid as one image, for export (null when empty).
  [[nodiscard]] QImage gridImage() const;
  [[nodiscard]] QString tileCaption(int index) const;

  void restore(const AppSettings& settings);
  void save(AppSettings& settings) const;

  /// Parses "5, 10 20;50" into step counts in 1..1000.
  [[nodiscard]] static QVector<int> parseStepCounts(const QString& text, QString* error);

 Q_SIGNALS:
  void compareRequested();
  void exportRequested(const QImage& image, const QString& suggestedName);

 private:
  [[nodiscard]] static QString captionOf(const CompareItem& item);
  void rebuildTiles();

  QLineEdit* counts_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* export_ = nullptr;
  QLabel* subject_ = nullptr;
  QGridLayout* grid_ = nullptr;
  QVector<ImageView*> tiles_;
  QVector<CompareItem> items_;
  QVector<int> planned_;
};
