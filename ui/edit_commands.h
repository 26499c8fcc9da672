#pragma once

#include <QUndoCommand>

#include "edit_canvas.h"

/// One undoable change of the Edit tab's canvas (a stroke, a mask operation, an applied edit, a
/// chosen result, an opened image): the whole state before and after. Images at the model's
/// resolution are small, so whole states are simpler and exact.
class CanvasCommand : public QUndoCommand {
 public:
  CanvasCommand(EditCanvas* canvas, const QString& text, CanvasState before, CanvasState after);

  void undo() override;
  void redo() override;

 private:
  EditCanvas* canvas_;
  CanvasState before_;
  CanvasState after_;
};
