// SPDX-License-Identifier: Apache-2.0
// Binding C++ object lifetimes to APR pools.
#pragma once

#include <new>
#include <utility>

#include "glue/httpd_includes.h"

namespace cppcgi {

// Allocates a T with new and deletes it when `pool` is cleared or destroyed.
template <typename T, typename... Args>
T* PoolOwned(apr_pool_t* pool, Args&&... args) {
  T* obj = new T(std::forward<Args>(args)...);
  apr_pool_cleanup_register(
      pool, obj,
      [](void* p) -> apr_status_t {
        delete static_cast<T*>(p);
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
  return obj;
}

}  // namespace cppcgi
