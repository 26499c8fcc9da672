#pragma once

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QVector>

#include "diffusion/edit.h"
#include "diffusion/interpolation.h"
#include "diffusion/inversion.h"
#include "diffusion/sampler.h"
#include "diffusion/timesteps.h"

// Plain request/result types that cross the thread boundary between the window and the worker.
// They hold Qt types and numbers only: tensors stay on the worker thread (house style 8).

enum class JobKind {
  kLoadModel,
  kLoadImage,
  kInvert,
  kLatent,
  kSample,
  kCompare,
  kFilmstrip,
  kEdit
};
enum class LatentSlot { kA, kB };
/// Which latent a sample or comparison starts from.
enum class LatentSource { kA, kB, kPath };

[[nodiscard]] QString jobTitle(JobKind kind);
/// What the job does, for "Cannot %1: reason" ("invert", "load the model").
[[nodiscard]] QString jobFailureVerb(JobKind kind);
[[nodiscard]] QString slotName(LatentSlot slot);
[[nodiscard]] QString skipName(ddim::SkipType skip);

struct ModelRequest {
  quint64 ticket = 0;
  QString folder;  // either folder, or configPath + weightsPath
  QString configPath;
  QString weightsPath;
  QString precision = QStringLiteral("auto");  // core's parsePrecision: auto, fp32, bf16, fp16
};

struct ModelInfo {
  QString name;
  QString source;  // folder or weights file, for display and "recent models"
  QString format;
  QString device;
  QString precision;        // what the network runs in: fp32, bf16 or fp16
  QString precisionReason;  // why (core's PrecisionChoice::reason)
  int resolution = 0;
  int channels = 3;
  qint64 parameters = 0;
  int numTimesteps = 0;
  QString guide;        // the autoguidance model's name; empty when the model has none
  double guidance = 1;  // the model's default guidance weight
};

/// An image to load: a file path (read by core), or an image already in memory (clipboard, drop).
struct ImageRequest {
  quint64 ticket = 0;
  QString path;
  QImage image;
  QString name;
};

struct ImageInfo {
  QString name;
  QImage original;   // as read, RGB
  QImage modelView;  // centre-cropped and resized to the model's resolution (null without model)
  QString note;      // a remark on a readable but doubtful image (nearly black 16-bit), or empty
};

struct InvertRequest {
  quint64 ticket = 0;
  /// steps, skip, form, method (plain or exact) with its tolerance and iteration limit; the
  /// latent is sampled back with plain DDIM over the same steps.
  ddim::InvertOptions options;
  LatentSlot target = LatentSlot::kA;
  /// When set, inverted instead of the loaded image (the Edit tab's current image), at the
  /// model's resolution.
  QImage image;
};

struct InvertResult {
  LatentSlot target = LatentSlot::kA;
  QString latentOrigin;   // as the latent slot shows it: "inverted photo.png, 50 steps"
  QImage latent;          // visualised latent
  QImage reconstruction;  // the latent sampled back with the same steps (eta = 0)
  double mse = 0;
  double psnr = 0;
  int steps = 0;
  double seconds = 0;
  // How the inversion went (core's InversionReport, as plain numbers).
  bool exact = false;         // exact inversion (InversionMethod::kExact)
  int networkCalls = 0;       // by the inversion alone, not the reconstruction
  double worstResidual = 0;   // exact: the largest step residual (RMS, model space)
  int stepsNotConverged = 0;  // exact: steps that stopped above the tolerance
  [[nodiscard]] bool converged() const { return stepsNotConverged == 0; }
  [[nodiscard]] double callsPerStep() const { return steps ? double(networkCalls) / steps : 0; }
};

/// Sets latent A or B from a seed, a .npy file, or the other slot's copy.
struct LatentRequest {
  enum class Source { kSeed, kNpy, kSave };
  quint64 ticket = 0;
  LatentSlot slot = LatentSlot::kA;
  Source source = Source::kSeed;
  quint64 seed = 0;
  QString path;  // .npy to read (kNpy) or write (kSave)

  /// Fills `slot` with the Gaussian noise of `seed`.
  static LatentRequest fromSeed(LatentSlot slot, quint64 seed) {
    return make(slot, Source::kSeed, seed, {});
  }
  /// Fills `slot` from the latent in the .npy file `path`.
  static LatentRequest fromNpy(LatentSlot slot, const QString& path) {
    return make(slot, Source::kNpy, 0, path);
  }
  /// Writes the latent in `slot` to the .npy file `path`.
  static LatentRequest saveTo(LatentSlot slot, const QString& path) {
    return make(slot, Source::kSave, 0, path);
  }

 private:
  static LatentRequest make(LatentSlot slot, Source source, quint64 seed, const QString& path) {
    LatentRequest r;
    r.slot = slot;
    r.source = source;
    r.seed = seed;
    r.path = path;
    return r;
  }
};

struct LatentInfo {
  LatentSlot slot = LatentSlot::kA;
  QImage image;  // visualised latent; null when the slot was cleared
  QString origin;
  bool fromSeed = false;  // random noise from a seed (not an inverted image or a file)
};

struct SampleRequest {
  quint64 ticket = 0;
  LatentSource source = LatentSource::kA;
  double alpha = 0.5;  // position on the A-B path when source is kPath
  ddim::InterpMode mode = ddim::InterpMode::kSlerp;
  ddim::SampleOptions options;  // steps, eta, skip, clipX0, noiseSeed (for eta > 0)
  double guidance = 1.0;        // autoguidance weight; 1 = the model alone
};

struct SampleResult {
  QImage image;
  int steps = 0;
  double seconds = 0;
  QString description;
};

/// One latent sampled at each of several step counts (core's compareSteps).
struct CompareRequest {
  quint64 ticket = 0;
  LatentSource source = LatentSource::kA;
  double alpha = 0.5;
  ddim::InterpMode mode = ddim::InterpMode::kSlerp;
  /// Every sampling option but the step count, which compareSteps sets to each of stepCounts.
  ddim::SampleOptions options;
  double guidance = 1.0;
  QVector<int> stepCounts;

  /// The comparison of what `sample` samples (its latent, options and guidance) at `counts`.
  [[nodiscard]] static CompareRequest of(const SampleRequest& sample, const QVector<int>& counts);
};

struct CompareItem {
  int steps = 0;
  QImage image;
  double seconds = 0;
  double rmse = -1;  // against the highest step count, in [0, 1] pixels; -1 until known
  double psnr = -1;
};

/// Parameters of frames along the A-B path (slider cache, slider refinement, filmstrip): how the
/// latents are interpolated and how each frame is decoded (the model alone).
struct PathParams {
  ddim::InterpMode mode = ddim::InterpMode::kSlerp;
  ddim::SampleOptions options = decodeOptions(/*steps=*/10);

  /// Plain deterministic DDIM (eta 0, no clipping) with `steps` steps.
  [[nodiscard]] static ddim::SampleOptions decodeOptions(int steps);
};

struct PathRequest {
  quint64 generation = 0;
  PathParams params;
  int frames = 17;
};

struct PathFrame {
  quint64 generation = 0;
  double alpha = 0;
  QImage image;
};

/// A path cache generation is complete: the RMS pixel distance between each pair of neighbouring
/// frames (ddim::frameDistances over the decoded frames, in alpha order), for re-spacing the
/// slider and the filmstrip so that the picture changes evenly.
struct PathSpacing {
  quint64 generation = 0;
  QVector<double> alphas;     // increasing, 0 first and 1 last
  QVector<double> distances;  // alphas.size() - 1, in [0, 1] pixels
};

struct SliderRequest {
  quint64 generation = 0;  // filled in by Worker::requestSlider
  double alpha = 0;
  PathParams params;
};

struct SliderFrame {
  quint64 generation = 0;
  double alpha = 0;
  QImage image;
  double milliseconds = 0;  // worker time for this frame
};

/// How a filmstrip is saved: frames side by side in one PNG, an animated GIF, or an MP4 video.
enum class FilmstripFormat { kPng, kGif, kMp4 };

struct FilmstripRequest {
  quint64 ticket = 0;
  PathParams params;
  int frames = 8;
  QVector<double> alphas;  // where on the path each frame lies; empty: i / (frames - 1)
  QString path;            // where the window writes the result (.png strip, .gif or .mp4)
};

struct FilmstripResult {
  QVector<QImage> frames;
  QString path;
};

/// An edit of the Edit tab's image (core's strengthEdit, or regenerateMasked when the mask has a
/// white pixel). image and mask are at the model's resolution (else centre-cropped and resized).
struct EditRequest {
  quint64 ticket = 0;
  QImage image;
  QImage mask;  // white = regenerate, black = keep; null or all black: the whole image
  /// strength, steps, eta, noise (forward or invert, with its inversion options), seed, count,
  /// resample, feather.
  ddim::EditOptions options;
};

struct EditResult {
  QVector<QImage> images;  // options.count results, item k from seed + k
  QImage input;            // the image the edit started from
  double strength = 0;
  quint64 seed = 0;
  bool masked = false;
  int startTimestep = -1;  // -1: the strength was below the first step, the input unchanged
  int networkCalls = 0;
  double seconds = 0;
};

/// A quick single result of an edit while its strength slider moves (not a job).
struct EditPreview {
  quint64 generation = 0;
  QImage image;
  double strength = 0;
  double milliseconds = 0;  // worker time
};

struct JobProgress {
  JobKind kind = JobKind::kSample;
  int step = 0;
  int total = 0;
  double elapsedSeconds = 0;
};

Q_DECLARE_METATYPE(JobKind)
Q_DECLARE_METATYPE(LatentSlot)
Q_DECLARE_METATYPE(ModelRequest)
Q_DECLARE_METATYPE(ModelInfo)
Q_DECLARE_METATYPE(ImageRequest)
Q_DECLARE_METATYPE(ImageInfo)
Q_DECLARE_METATYPE(InvertRequest)
Q_DECLARE_METATYPE(InvertResult)
Q_DECLARE_METATYPE(LatentRequest)
Q_DECLARE_METATYPE(LatentInfo)
Q_DECLARE_METATYPE(SampleRequest)
Q_DECLARE_METATYPE(SampleResult)
Q_DECLARE_METATYPE(CompareRequest)
Q_DECLARE_METATYPE(CompareItem)
Q_DECLARE_METATYPE(PathRequest)
Q_DECLARE_METATYPE(PathFrame)
Q_DECLARE_METATYPE(PathSpacing)
Q_DECLARE_METATYPE(SliderFrame)
Q_DECLARE_METATYPE(FilmstripRequest)
Q_DECLARE_METATYPE(FilmstripResult)
Q_DECLARE_METATYPE(EditRequest)
Q_DECLARE_METATYPE(EditResult)
Q_DECLARE_METATYPE(EditPreview)
Q_DECLARE_METATYPE(JobProgress)

/// Registers the types above for queued connections and QSignalSpy.
void registerWorkerTypes();
