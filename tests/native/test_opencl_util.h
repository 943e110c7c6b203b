// Helpers for the OpenCL tests: a context on device 0 (the suite assumes PoCL or another driver is installed:
// native/setup.sh installs pocl-opencl-icd) and device tensors filled from host vectors.
#pragma once

#include <cnn/cnn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test_util.h"

namespace cnn_test {

inline ContextPtr make_opencl_context(int32_t device = 0) {
  cnn_context* c = nullptr;
  EXPECT_EQ(cnn_context_create_device(device, &c), CNN_OK) << cnn_last_error_message();
  return ContextPtr(c);
}

// "OpenCL #0 'name' of platform 'platform'": how messages name a device.
inline std::string opencl_device_phrase(int32_t index) {
  return "OpenCL #" + std::to_string(index) + " '" + cnn_device_string(index, CNN_DEVICE_TEXT_NAME) +
         "' of platform '" + cnn_device_string(index, CNN_DEVICE_TEXT_PLATFORM) + "'";
}

}  // namespace cnn_test
