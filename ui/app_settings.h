#pragma once

#include <QStringList>
#include <QVariant>
#include <memory>
#include <optional>

#include "worker_types.h"

class QSettings;

/// Settings remembered between runs (QSettings): the last model, job parameters, recent files and
/// the window's geometry. Panels read and write their own keys through value()/setValue().
class AppSettings {
 public:
  /// The user's settings (organisation and application names of the QCoreApplication).
  AppSettings();
  /// An INI file, for tests and --settings.
  explicit AppSettings(const QString& iniPath);
  ~AppSettings();
  AppSettings(const AppSettings&) = delete;
  AppSettings& operator=(const AppSettings&) = delete;

  [[nodiscard]] QVariant value(const QString& key, const QVariant& fallback = {}) const;
  void setValue(const QString& key, const QVariant& value);

  [[nodiscard]] std::optional<ModelRequest> lastModel() const;
  void setLastModel(const ModelRequest& model);

  [[nodiscard]] QStringList recentImages() const;
  void addRecentImage(const QString& path);
  /// Recent models, each encoded by encodeModel().
  [[nodiscard]] QStringList recentModels() const;
  void addRecentModel(const ModelRequest& model);

  [[nodiscard]] static QString encodeModel(const ModelRequest& model);
  [[nodiscard]] static ModelRequest decodeModel(const QString& text);

  void sync();

 private:
  QStringList addRecent(const QString& key, const QString& entry);

  std::unique_ptr<QSettings> settings_;
};
