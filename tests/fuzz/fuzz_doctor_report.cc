// SPDX-License-Identifier: Apache-2.0
// The doctor's reader of httpd's output: anything it accepts formats back to
// a report that reads back the same (no field is lost or invented).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/doctor_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = cppcgi::ParseDoctorReport(text);
  if (!report.ok()) return 0;
  std::string once = cppcgi::FormatDoctorReport(*report);
  auto again = cppcgi::ParseDoctorReport(once);
  if (!again.ok() || cppcgi::FormatDoctorReport(*again) != once) std::abort();
  (void)cppcgi::DescribeDoctorReport(*report);
  return 0;
}
