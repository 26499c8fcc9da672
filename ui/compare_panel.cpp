#include "compare_panel.h"

#include <QFontMetrics>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "app_settings.h"
#include "image_view.h"

namespace {
constexpr int kColumns = 6;
constexpr int kExportTile = 128;  // exported tiles are enlarged to at least this size
const QString kDefaultCounts = QStringLiteral("5, 10, 20, 50, 100, 1000");
}  // namespace

ComparePanel::ComparePanel(QWidget* parent) : QWidget(parent) {
  counts_ = new QLineEdit(kDefaultCounts, this);
  counts_->setToolTip(tr("Step counts to compare, separated by commas (1 to 1000 each)"));
  run_ = new QPushButton(tr("Compare"), this);
  run_->setToolTip(tr("Sample the same latent at each step count (settings of the Sample tab)"));
  export_ = new QPushButton(tr("Export grid…"), this);
  export_->setEnabled(false);
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Step counts"), this));
  controls->addWidget(counts_, 1);
  controls->addWidget(run_);
  controls->addWidget(export_);

  auto* area = new QScrollArea(this);
  area->setWidgetResizable(true);
  auto* holder = new QWidget(area);
  grid_ = new QGridLayout(holder);
  area->setWidget(holder);

  subject_ = new QLabel(this);
  subject_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  subject_->setFixedHeight(subject_->fontMetrics().height() + 4);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(subject_);
  layout->addWidget(area, 1);
  layout->addWidget(new QLabel(
      tr("Each tile: its step count, its time, and its RMSE / PSNR to the highest step count."),
      this));

  connect(run_, &QPushButton::clicked, this, &ComparePanel::compareRequested);
  connect(counts_, &QLineEdit::returnPressed, this, &ComparePanel::compareRequested);
  connect(export_, &QPushButton::clicked, this,
          [this] { Q_EMIT exportRequested(gridImage(), QStringLiteral("step-comparison.png")); });
  setState(false, false);
}

void ComparePanel::setState(bool model, bool busy) {
  run_->setEnabled(model && !busy);
  export_->setEnabled(!items_.isEmpty() && !busy);
}

QVector<int> ComparePanel::parseStepCounts(const QString& text, QString* error) {
  QVector<int> counts;
  const QStringList parts =
      text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
  for (const QString& part : parts) {
    bool ok = false;
    const int n = part.toInt(&ok);
    if (!ok || n < 1 || n > 1000) {
      if (error) *error = tr("\"%1\" is not a step count from 1 to 1000").arg(part);
      return {};
    }
    if (!counts.contains(n)) counts.push_back(n);
  }
  if (counts.isEmpty() && error) *error = tr("enter at least one step count");
  std::sort(counts.begin(), counts.end());
  return counts;
}

QVector<int> ComparePanel::stepCounts(QString* error) const {
  return parseStepCounts(counts_->text(), error);
}

void ComparePanel::setStepCounts(const QVector<int>& counts) {
  QStringList parts;
  for (int n : counts) parts << QString::number(n);
  counts_->setText(parts.join(QStringLiteral(", ")));
}

void ComparePanel::begin(const QVector<int>& counts) {
  planned_ = counts;
  items_.clear();
  rebuildTiles();
  export_->setEnabled(false);
}

void ComparePanel::addItem(const CompareItem& item) {
  items_.push_back(item);
  const int index = static_cast<int>(planned_.indexOf(item.steps));
  if (index >= 0 && index < tiles_.size()) tiles_[index]->setImage(item.image, captionOf(item));
}

void ComparePanel::setItems(const QVector<CompareItem>& items) {
  items_ = items;
  planned_.clear();
  for (const auto& item : items) planned_.push_back(item.steps);
  rebuildTiles();
  export_->setEnabled(!items_.isEmpty());
}

void ComparePanel::markUnfinished(const QString& why) {
  for (int i = 0; i < tiles_.size(); ++i) {
    if (tiles_[i]->image().isNull()) tiles_[i]->setPlaceholder(why);
  }
}

void ComparePanel::setSubject(const QString& text) {
  subject_->setText(text);
  subject_->setToolTip(text);
}

QString ComparePanel::subjectText() const { return subject_->text(); }

QString ComparePanel::tilePlaceholder(int index) const {
  return index >= 0 && index < tiles_.size() ? tiles_[index]->placeholder() : QString();
}

QString ComparePanel::captionOf(const CompareItem& item) {
  QString caption = tr("%1 steps · %2 s").arg(item.steps).arg(item.seconds, 0, 'f', 2);
  if (item.rmse == 0) {
    caption += tr("\nreference");
  } else if (item.rmse > 0) {
    caption += tr("\nRMSE %1\nPSNR %2 dB").arg(item.rmse, 0, 'f', 4).arg(item.psnr, 0, 'f', 1);
  }
  return caption;
}

QString ComparePanel::tileCaption(int index) const {
  return index >= 0 && index < tiles_.size() ? tiles_[index]->caption() : QString();
}

void ComparePanel::rebuildTiles() {
  for (ImageView* tile : tiles_) tile->deleteLater();
  tiles_.clear();
  for (int i = 0; i < planned_.size(); ++i) {
    auto* tile = new ImageView(tr("%1 steps").arg(planned_[i]), grid_->parentWidget());
    tile->setPlaceholder(tr("waiting"));
    tile->setCaptionLines(3);
    grid_->addWidget(tile, i / kColumns, i % kColumns);
    tiles_.push_back(tile);
  }
  for (const CompareItem& item : items_) {
    const int index = static_cast<int>(planned_.indexOf(item.steps));
    if (index >= 0) tiles_[index]->setImage(item.image, captionOf(item));
  }
}

QImage ComparePanel::gridImage() const {
  if (items_.isEmpty()) return {};
  const QSize src = items_.front().image.size();
  const int scale = std::max(1, static_cast<int>(std::ceil(double(kExportTile) / src.width())));
  const QSize tile = src * scale;
  QFont font;
  font.setPixelSize(12);
  const QFontMetrics fm(font);
  const int labelH = 4 * fm.height() + 6;
  const int pad = 8;
  const int columns = std::min<int>(kColumns, static_cast<int>(items_.size()));
  const int rows = (static_cast<int>(items_.size()) + columns - 1) / columns;
  QImage out(columns * (tile.width() + pad) + pad, rows * (tile.height() + labelH + pad) + pad,
             QImage::Format_RGB32);
  out.fill(Qt::white);
  QPainter p(&out);
  p.setFont(font);
  p.setPen(Qt::black);
  for (int i = 0; i < items_.size(); ++i) {
    const int x = pad + (i % columns) * (tile.width() + pad);
    const int y = pad + (i / columns) * (tile.height() + labelH + pad);
    p.drawImage(QRect(QPoint(x, y), tile), items_[i].image);
    p.drawText(QRect(x - pad / 2, y + tile.height() + 2, tile.width() + pad, labelH),
               Qt::AlignHCenter | Qt::AlignTop, captionOf(items_[i]));
  }
  return out;
}

void ComparePanel::restore(const AppSettings& settings) {
  counts_->setText(settings.value(QStringLiteral("compare/steps"), kDefaultCounts).toString());
}

void ComparePanel::save(AppSettings& settings) const {
  settings.setValue(QStringLiteral("compare/steps"), counts_->text());
}
