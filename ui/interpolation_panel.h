#pragma once

#include <QElapsedTimer>
#include <QWidget>
#include <vector>

#include "frame_cache.h"
#include "slider_spacing.h"
#include "worker_types.h"

class AppSettings;
class ImageView;
class LatentPanel;
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

/// Slider latency, measured from the slider's value change to the paint that shows a frame.
struct LatencyStats {
  int moves = 0;             // slider positions measured
  double firstMedianMs = 0;  // until some frame (nearest cached or exact) was painted
  double firstMaxMs = 0;
  int exact = 0;  // positions whose exact frame was painted before the next move
  double exactMedianMs = 0;
  double exactMaxMs = 0;
};

/// Latents A and B with the interpolation slider between them. While the slider is dragged the
/// nearest cached frame is shown at once; the exact frame for the position follows (latest wins,
/// no backlog). In the background the worker fills the cache with frames along the path.
/// Like every panel it talks to the worker through the window: it asks with pathRequested and
/// sliderRequested, the window answers with the generation the worker gave the request
/// (setPathGeneration, setSliderGeneration) and passes on the frames that come back.
class InterpolationPanel : public QWidget {
  Q_OBJECT

 public:
  explicit InterpolationPanel(QWidget* parent = nullptr);

  [[nodiscard]] LatentPanel* latentPanel(LatentSlot slot) const;
  void setState(bool model, bool busy);
  void onModelLoaded();
  void onLatentChanged(const LatentInfo& info);
  /// The path request just sent is generation `generation`: only its frames fill the cache.
  void setPathGeneration(quint64 generation) { pathGeneration_ = generation; }
  /// The slider request just sent is generation `generation`.
  void setSliderGeneration(quint64 generation) { lastSlider_ = generation; }
  void onSliderFrame(const SliderFrame& frame);
  void onPathFrame(const PathFrame& frame);
  void onSliderFailed(const QString& reason);
  /// The cache of the current generation is complete: with even spacing on, the slider is
  /// re-spaced by the distances between its frames (keeping the alpha on screen).
  void onPathSpacing(const PathSpacing& spacing);

  /// The position on the A-B path at the slider's position (re-spaced with even spacing).
  [[nodiscard]] double alpha() const;
  /// Moves the slider to the position whose alpha is nearest `alpha`.
  void setAlpha(double alpha);
  /// The slider's position in [0, 1].
  [[nodiscard]] double sliderPosition() const;
  [[nodiscard]] const SliderSpacing& sliderSpacing() const { return spacing_; }
  /// How the path is built: slerp with even spacing on is slerp with matched statistics.
  [[nodiscard]] PathParams params() const;
  [[nodiscard]] int filmstripFrames() const;
  /// Where the filmstrip's frames lie on the path: evenly spaced by picture change when even
  /// spacing is on and the cache is complete; else empty (alpha = i / (frames - 1)).
  [[nodiscard]] QVector<double> filmstripAlphas() const;
  [[nodiscard]] QCheckBox* evenCheck() const { return even_; }
  [[nodiscard]] QString alphaText() const;
  [[nodiscard]] QString cacheText() const;
  [[nodiscard]] LatencyStats latency() const;
  /// The latency figures as a sentence: the slider's status tip.
  [[nodiscard]] QString latencyText() const;
  /// Every measured move's time to its first painted frame, in order (ms).
  [[nodiscard]] const std::vector<double>& firstFrameLatencies() const { return firstMs_; }
  /// Time to the exact frame, for the moves whose exact frame came before the next move (ms).
  [[nodiscard]] const std::vector<double>& exactFrameLatencies() const { return exactMs_; }
  [[nodiscard]] int cachedFrames() const { return cache_.size(); }
  [[nodiscard]] ImageView* frameView() const { return frame_; }
  [[nodiscard]] QSlider* slider() const { return slider_; }
  /// Alpha of the frame on screen (-1 when none).
  [[nodiscard]] double shownAlpha() const { return shownAlpha_; }

  void restore(const AppSettings& settings);
  void save(AppSettings& settings) const;

 Q_SIGNALS:
  void filmstripRequested(FilmstripFormat format);
  void exportRequested(const QImage& image, const QString& suggestedName);
  /// Frames along the A-B path for the cache, replacing the previous request's.
  void pathRequested(const PathRequest& request);
  /// The exact frame at the slider's position (latest wins).
  void sliderRequested(const SliderRequest& request);

 private:
  void onSliderMoved(int value);
  void onPainted();
  void restartPath();
  /// Shows the nearest cached frame for the slider's alpha and asks for the exact one.
  void refresh();
  /// Uses `spacing` from now on, moving the slider so that the alpha stays (nearly) where it was.
  void applySpacing(const SliderSpacing& spacing);
  /// Re-spaces the slider by the complete path's distances.
  void applyPathSpacing();
  void requestExact();
  void show(double alpha, const QImage& image, const QString& caption);
  void updateLabels();

  LatentPanel* a_ = nullptr;
  LatentPanel* b_ = nullptr;
  ImageView* frame_ = nullptr;
  QSlider* slider_ = nullptr;
  QLabel* alphaLabel_ = nullptr;
  QComboBox* mode_ = nullptr;
  QCheckBox* even_ = nullptr;
  QSpinBox* steps_ = nullptr;
  QSpinBox* cacheFrames_ = nullptr;
  QLabel* cacheLabel_ = nullptr;
  QSpinBox* stripFrames_ = nullptr;
  QPushButton* exportPng_ = nullptr;
  QPushButton* exportGif_ = nullptr;
  QPushButton* exportVideo_ = nullptr;
  QPushButton* exportFrame_ = nullptr;

  bool model_ = false;
  bool busy_ = false;
  FrameCache cache_;
  int pathFrames_ = 0;  // frames of the current path request in the cache
  quint64 pathGeneration_ = 0;
  quint64 firstValidSlider_ = 0;  // slider frames older than this used other parameters
  quint64 lastSlider_ = 0;
  double shownAlpha_ = -1;
  SliderSpacing spacing_;
  std::vector<double> pathAlphas_;     // the complete cache's alphas (empty until complete)
  std::vector<double> pathDistances_;  // and the distances between its neighbouring frames
  bool spacingPending_ = false;        // the path completed during a drag: re-space after it

  QElapsedTimer moveTimer_;
  bool awaitFirst_ = false;
  bool awaitExact_ = false;
  std::vector<double> firstMs_;
  std::vector<double> exactMs_;
};
