// Precompiled once per build: parsing ATen's headers dominates the shim's compile time.
#pragma once
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>
