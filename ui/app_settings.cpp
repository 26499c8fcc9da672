#include "app_settings.h"

#include <QSettings>

namespace {
constexpr int kMaxRecent = 8;
const QString kPairSeparator = QStringLiteral("\n");
}  // namespace

AppSettings::AppSettings() : settings_(std::make_unique<QSettings>()) {}

AppSettings::AppSettings(const QString& iniPath)
    : settings_(std::make_unique<QSettings>(iniPath, QSettings::IniFormat)) {}

AppSettings::~AppSettings() = default;

QVariant AppSettings::value(const QString& key, const QVariant& fallback) const {
  return settings_->value(key, fallback);
}

void AppSettings::setValue(const QString& key, const QVariant& value) {
  settings_->setValue(key, value);
}

QString AppSettings::encodeModel(const ModelRequest& model) {
  return model.folder.isEmpty() ? model.configPath + kPairSeparator + model.weightsPath
                                : model.folder;
}

ModelRequest AppSettings::decodeModel(const QString& text) {
  ModelRequest r;
  const int split = text.indexOf(kPairSeparator);
  if (split < 0) {
    r.folder = text;
  } else {
    r.configPath = text.left(split);
    r.weightsPath = text.mid(split + 1);
  }
  return r;
}

std::optional<ModelRequest> AppSettings::lastModel() const {
  const QString text = settings_->value(QStringLiteral("model/last")).toString();
  if (text.isEmpty()) return std::nullopt;
  return decodeModel(text);
}

void AppSettings::setLastModel(const ModelRequest& model) {
  settings_->setValue(QStringLiteral("model/last"), encodeModel(model));
}

QStringList AppSettings::recentImages() const {
  return settings_->value(QStringLiteral("recent/images")).toStringList();
}

void AppSettings::addRecentImage(const QString& path) {
  addRecent(QStringLiteral("recent/images"), path);
}

QStringList AppSettings::recentModels() const {
  return settings_->value(QStringLiteral("recent/models")).toStringList();
}

void AppSettings::addRecentModel(const ModelRequest& model) {
  addRecent(QStringLiteral("recent/models"), encodeModel(model));
}

QStringList AppSettings::addRecent(const QString& key, const QString& entry) {
  QStringList list = settings_->value(key).toStringList();
  list.removeAll(entry);
  list.prepend(entry);
  while (list.size() > kMaxRecent) list.removeLast();
  settings_->setValue(key, list);
  return list;
}

void AppSettings::sync() { settings_->sync(); }
