#include "job_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

#include "image_view.h"

namespace {
QString formatSeconds(double s) {
  if (s < 60) return QObject::tr("%1 s").arg(s, 0, 'f', s < 10 ? 1 : 0);
  const int total = static_cast<int>(s + 0.5);
  return QObject::tr("%1 min %2 s").arg(total / 60).arg(total % 60);
}
}  // namespace

JobBar::JobBar(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(6, 2, 6, 2);
  // Fixed widths: the texts change with every job and must not move the bar's other parts.
  title_ = new QLabel(tr("Idle"), this);
  title_->setFixedWidth(title_->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 34);
  bar_ = new QProgressBar(this);
  bar_->setRange(0, 1);
  bar_->setValue(0);
  bar_->setFormat(tr("%v / %m steps"));
  bar_->setToolTip(tr("Network evaluations done out of the job's total"));
  timeLeft_ = new QLabel(this);
  timeLeft_->setFixedWidth(timeLeft_->fontMetrics().horizontalAdvance(tr("took 59 min 59 s")) + 8);
  preview_ = new ImageView(QString(), this);
  preview_->setFixedSize(48, 48);
  preview_->setToolTip(
      tr("The image the running job is heading for, as predicted at the current step (x0)"));
  // Shown only while a long job sends previews; hidden, it keeps its place in the bar.
  QSizePolicy keep = preview_->sizePolicy();
  keep.setRetainSizeWhenHidden(true);
  preview_->setSizePolicy(keep);
  preview_->hide();
  cancel_ = new QPushButton(tr("Cancel"), this);
  cancel_->setToolTip(tr("Stop the running job after the current network evaluation (Esc)"));
  cancel_->setEnabled(false);
  layout->addWidget(title_);
  layout->addWidget(bar_, 1);
  layout->addWidget(timeLeft_);
  layout->addWidget(preview_);
  layout->addWidget(cancel_);
  connect(cancel_, &QPushButton::clicked, this, &JobBar::cancelRequested);
}

void JobBar::onStarted(JobKind kind) {
  running_ = true;
  title_->setText(jobTitle(kind) + QStringLiteral("…"));
  bar_->setRange(0, 0);  // busy until the first step
  bar_->setFormat(QString());
  timeLeft_->clear();
  preview_->clear();
  preview_->hide();
  cancel_->setEnabled(true);
}

void JobBar::onProgress(const JobProgress& p) {
  if (p.total <= 0) return;
  bar_->setFormat(tr("%v / %m steps"));
  bar_->setRange(0, p.total);
  bar_->setValue(p.step);
  if (p.step > 0 && p.step < p.total) {
    const double left = p.elapsedSeconds / p.step * (p.total - p.step);
    timeLeft_->setText(tr("%1 left").arg(formatSeconds(left)));
  } else if (p.step >= p.total) {
    timeLeft_->setText(tr("took %1").arg(formatSeconds(p.elapsedSeconds)));
  }
}

void JobBar::onPreview(const QImage& image) {
  preview_->setImage(image);
  preview_->show();
}

void JobBar::onEnded(const QString& message, bool succeeded) {
  running_ = false;
  title_->setText(message);
  if (bar_->maximum() == 0) {  // a job without steps
    bar_->setRange(0, 1);
    bar_->setValue(succeeded ? 1 : 0);
  }
  if (!succeeded) timeLeft_->clear();
  preview_->clear();
  preview_->hide();
  cancel_->setEnabled(false);
}

QString JobBar::statusText() const { return title_->text(); }

int JobBar::progressValue() const { return bar_->value(); }

bool JobBar::previewShown() const { return preview_->isVisibleTo(this); }
