#pragma once

#include <QString>

#include "diffusion/interpolation.h"
#include "diffusion/timesteps.h"

class QComboBox;
class QLabel;
class QSpinBox;
class QWidget;

// Small builders shared by the panels, so every panel offers the same choices the same way.

/// The step schedules: uniform, quad, trailing, linspace, logsnr (leading is CLI-only).
[[nodiscard]] QComboBox* makeScheduleCombo(QWidget* parent);
[[nodiscard]] ddim::SkipType scheduleOf(const QComboBox* combo);
void selectSchedule(QComboBox* combo, ddim::SkipType skip);

[[nodiscard]] QComboBox* makeInterpCombo(QWidget* parent);
[[nodiscard]] ddim::InterpMode interpOf(const QComboBox* combo);
void selectInterp(QComboBox* combo, ddim::InterpMode mode);

/// A steps spin box, 1..1000.
[[nodiscard]] QSpinBox* makeStepsSpin(int value, QWidget* parent);
/// A seed spin box, 0..2^31-1.
[[nodiscard]] QSpinBox* makeSeedSpin(QWidget* parent);
/// A one-line label that never resizes the layout when its text changes: its height is fixed to
/// one line and its width follows the layout, not the text.
[[nodiscard]] QLabel* makeStatusLine(QWidget* parent);
