#include "edit_commands.h"

#include <utility>

CanvasCommand::CanvasCommand(EditCanvas* canvas, const QString& text, CanvasState before,
                             CanvasState after)
    : QUndoCommand(text), canvas_(canvas), before_(std::move(before)), after_(std::move(after)) {}

void CanvasCommand::undo() { canvas_->setState(before_); }

void CanvasCommand::redo() { canvas_->setState(after_); }
