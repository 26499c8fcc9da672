#include "error_banner.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace {
constexpr int kMargin = 4;  // from the parent's edges
}  // namespace

ErrorBanner::ErrorBanner(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("errorBanner"));
  setStyleSheet(QStringLiteral(
      "#errorBanner { background: #fde2e1; border: 1px solid #e8a09a; border-radius: 3px; }"
      "#errorBanner QLabel { color: #7a1712; }"));
  setAutoFillBackground(true);
  text_ = new QLabel(this);
  text_->setWordWrap(true);
  text_->setTextFormat(Qt::PlainText);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  dismiss_ = new QPushButton(tr("Dismiss"), this);
  dismiss_->setToolTip(tr("Hide this message (it also goes away when the next job starts)"));
  dismiss_->setCursor(Qt::PointingHandCursor);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 4, 4);
  layout->addWidget(text_, 1);
  layout->addWidget(dismiss_, 0, Qt::AlignTop);
  connect(dismiss_, &QPushButton::clicked, this, &QWidget::hide);
  parent->installEventFilter(this);
  hide();
}

void ErrorBanner::showMessage(const QString& message) {
  message_ = message;
  text_->setText(message);
  show();
  place();
  raise();
}

bool ErrorBanner::eventFilter(QObject* watched, QEvent* event) {
  if (watched == parentWidget() && event->type() == QEvent::Resize && isVisible()) place();
  return QFrame::eventFilter(watched, event);
}

void ErrorBanner::place() {
  const int width = parentWidget()->width() - 2 * kMargin;
  const int height = hasHeightForWidth() ? heightForWidth(width) : sizeHint().height();
  setGeometry(kMargin, kMargin, width, height);
}
