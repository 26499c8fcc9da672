#include "worker_types.h"

#include <QObject>

QString jobTitle(JobKind kind) {
  switch (kind) {
    case JobKind::kLoadModel:
      return QObject::tr("Loading model");
    case JobKind::kLoadImage:
      return QObject::tr("Loading image");
    case JobKind::kInvert:
      return QObject::tr("Inverting");
    case JobKind::kLatent:
      return QObject::tr("Setting or saving the latent");
    case JobKind::kSample:
      return QObject::tr("Sampling");
    case JobKind::kCompare:
      return QObject::tr("Comparing step counts");
    case JobKind::kFilmstrip:
      return QObject::tr("Rendering filmstrip");
    case JobKind::kEdit:
      return QObject::tr("Editing");
  }
  return {};
}

QString jobFailureVerb(JobKind kind) {
  switch (kind) {
    case JobKind::kLoadModel:
      return QObject::tr("load the model");
    case JobKind::kLoadImage:
      return QObject::tr("load the image");
    case JobKind::kInvert:
      return QObject::tr("invert");
    case JobKind::kLatent:
      return QObject::tr("set or save the latent");
    case JobKind::kSample:
      return QObject::tr("sample");
    case JobKind::kCompare:
      return QObject::tr("compare step counts");
    case JobKind::kFilmstrip:
      return QObject::tr("render the filmstrip");
    case JobKind::kEdit:
      return QObject::tr("edit");
  }
  return {};
}

QString slotName(LatentSlot slot) {
  return slot == LatentSlot::kA ? QStringLiteral("A") : QStringLiteral("B");
}

QString skipName(ddim::SkipType skip) { return QString::fromStdString(ddim::toString(skip)); }

CompareRequest CompareRequest::of(const SampleRequest& sample, const QVector<int>& counts) {
  CompareRequest r;
  r.source = sample.source;
  r.alpha = sample.alpha;
  r.mode = sample.mode;
  r.options = sample.options;
  r.guidance = sample.guidance;
  r.stepCounts = counts;
  return r;
}

ddim::SampleOptions PathParams::decodeOptions(int steps) {
  ddim::SampleOptions o;
  o.steps = steps;
  return o;
}

void registerWorkerTypes() {
  qRegisterMetaType<JobKind>();
  qRegisterMetaType<LatentSlot>();
  qRegisterMetaType<ModelRequest>();
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<ImageRequest>();
  qRegisterMetaType<ImageInfo>();
  qRegisterMetaType<InvertRequest>();
  qRegisterMetaType<InvertResult>();
  qRegisterMetaType<LatentRequest>();
  qRegisterMetaType<LatentInfo>();
  qRegisterMetaType<SampleRequest>();
  qRegisterMetaType<SampleResult>();
  qRegisterMetaType<CompareRequest>();
  qRegisterMetaType<CompareItem>();
  qRegisterMetaType<QVector<CompareItem>>();
  qRegisterMetaType<PathRequest>();
  qRegisterMetaType<PathFrame>();
  qRegisterMetaType<PathSpacing>();
  qRegisterMetaType<SliderFrame>();
  qRegisterMetaType<FilmstripRequest>();
  qRegisterMetaType<FilmstripResult>();
  qRegisterMetaType<EditRequest>();
  qRegisterMetaType<EditResult>();
  qRegisterMetaType<EditPreview>();
  qRegisterMetaType<JobProgress>();
}
