// Precompiled for the core target: LibTorch's headers dominate compile time on small machines.
#pragma once
#include <torch/torch.h>
