#pragma once

#include <QImage>
#include <QVector>
#include <QWidget>

#include "edit_canvas.h"
#include "worker_types.h"

class AppSettings;
class ImageView;
class QAbstractButton;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QPushButton;
class QScrollArea;
class QSlider;
class QSpinBox;
class QTimer;
class QToolButton;
class QUndoStack;
class QUndoView;

/// The Edit tab: paint on the image at the model's resolution (brush, eraser back to the
/// original, eyedropper, regeneration mask), then let the model finish it (SDEdit by strength,
/// or regenerate the masked region), K results at a time from K seeds. Every stroke and every
/// applied edit is a step of an undo history (Ctrl+Z, Ctrl+Shift+Z, and the history list).
/// The window runs the edits on the worker: it reads request() on applyRequested, and on
/// previewRequested for the quick single result shown while the strength slider moves.
class EditPanel : public QWidget {
  Q_OBJECT

 public:
  explicit EditPanel(QWidget* parent = nullptr);
  ~EditPanel() override;

  /// `model`: a model is loaded; `busy`: a job runs.
  void setState(bool model, bool busy);
  /// The size of a new canvas.
  void setModelResolution(int resolution);
  /// An image was opened (`opened`), or a new model sees the open image anew: an opened image
  /// becomes the canvas, as an undoable step; a model's view only when the canvas is empty or at
  /// another resolution, so that loading a model keeps the work. Without a model view (no model)
  /// the canvas stays as it is.
  void onImageLoaded(const ImageInfo& info, bool opened = true);
  /// A white canvas at the model's resolution, as an undoable step.
  void newImage();
  void showResult(const EditResult& result);
  /// The running edit's predicted x0.
  void showJobPreview(const QImage& predictedX0);
  void setPreviewGeneration(quint64 generation) { previewGeneration_ = generation; }
  void onEditPreview(const EditPreview& preview);
  void onEditPreviewFailed(const QString& reason);
  /// Makes result `index` of the last edit the current image (an undoable step).
  void chooseResult(int index);

  /// The edit of the current canvas with the panel's settings.
  [[nodiscard]] EditRequest request() const;
  void setStrength(double strength);
  [[nodiscard]] double strength() const;
  void setCount(int count);
  void setSeed(int seed);

  [[nodiscard]] EditCanvas* canvas() const { return canvas_; }
  [[nodiscard]] QUndoStack* undoStack() const { return undo_; }
  [[nodiscard]] QUndoView* historyView() const { return history_; }
  [[nodiscard]] QListWidget* resultsList() const { return results_; }
  [[nodiscard]] const QVector<QImage>& resultImages() const { return resultImages_; }
  [[nodiscard]] QPushButton* applyButton() const { return apply_; }
  [[nodiscard]] QSlider* strengthSlider() const { return strength_; }
  [[nodiscard]] ImageView* previewView() const { return preview_; }
  [[nodiscard]] QString statusText() const;
  /// Previews shown while the strength slider moved (for measuring).
  [[nodiscard]] int previewsShown() const { return previewsShown_; }

  void clearMask();
  void invertMask();
  void zoomIn();
  void zoomOut();
  void fitToView();

  void restore(const AppSettings& settings);
  void save(AppSettings& settings) const;

 Q_SIGNALS:
  void applyRequested();
  void previewRequested();
  void invertRequested(LatentSlot slot, const QImage& image);
  void exportRequested(const QImage& image, const QString& suggestedName);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  /// Runs the preview that changes made while the tab was hidden asked for.
  void showEvent(QShowEvent* event) override;

 private:
  [[nodiscard]] QToolButton* makeToolButton(const QString& text, const QString& tip, EditTool tool);
  void pushState(const QString& text, const CanvasState& before, const CanvasState& after);
  void setZoomKeeping(double zoom, const QPointF& imagePoint);
  void updateZoomLabel();
  void updateColorButton();
  void updateStrengthLabel();
  void updateButtons();
  void schedulePreview();

  EditCanvas* canvas_ = nullptr;
  QScrollArea* scroll_ = nullptr;
  QUndoStack* undo_ = nullptr;
  QUndoView* history_ = nullptr;
  ImageView* preview_ = nullptr;
  QListWidget* results_ = nullptr;
  QToolButton* colorButton_ = nullptr;
  QSpinBox* brushSize_ = nullptr;
  QLabel* zoomLabel_ = nullptr;
  QSlider* strength_ = nullptr;
  QLabel* strengthLabel_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QDoubleSpinBox* eta_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QSpinBox* count_ = nullptr;
  QComboBox* noise_ = nullptr;
  QSpinBox* resample_ = nullptr;
  QDoubleSpinBox* feather_ = nullptr;
  QCheckBox* livePreview_ = nullptr;
  QPushButton* apply_ = nullptr;
  QPushButton* invertA_ = nullptr;
  QPushButton* invertB_ = nullptr;
  QPushButton* export_ = nullptr;
  QList<QAbstractButton*> canvasButtons_;  // enabled once there is an image
  QLabel* status_ = nullptr;
  QTimer* previewTimer_ = nullptr;
  bool previewStale_ = false;  // a change asked for a preview while the tab was hidden

  int resolution_ = 0;
  bool model_ = false;
  bool busy_ = false;
  bool fit_ = true;
  QVector<QImage> resultImages_;
  EditResult lastResult_;
  int currentResult_ = -1;
  quint64 previewGeneration_ = 0;
  int previewsShown_ = 0;
};
