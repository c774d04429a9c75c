// SPDX-License-Identifier: Apache-2.0
// A helper is forked from httpd's parent and inherits the page-table
// entries of everything the parent had mapped and touched: httpd, APR, all
// loaded modules and their libraries, most of it code the helper never runs.
// Once it is set up, the helper drops the entries of the mappings that hold
// only clean file pages (code and read-only data never written to): those
// pages stay in the page cache, and whatever the helper does run is faulted
// back in on first use. Mappings with a copied-on-write page are left alone
// (dropping them would bring back the file's bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cppcgi {

struct AddressRange {
  uintptr_t start = 0;
  uintptr_t end = 0;
};

// From the text of /proc/PID/smaps: the file-backed mappings that are not
// writable and have no anonymous page ("Anonymous: 0 kB"), and some resident.
std::vector<AddressRange> CleanFileMappings(std::string_view smaps);

// madvise(MADV_DONTNEED) on this process's CleanFileMappings(). Returns how
// many of them were dropped.
size_t DropCleanFileMappings();

}  // namespace cppcgi
