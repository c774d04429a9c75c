// SPDX-License-Identifier: Apache-2.0
// httpd-facing configuration: the create/merge callbacks and the directive table.
#pragma once

#include "core/config.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

struct ServerConfig {
  ServerSettings settings;
};

struct DirConfig {
  DirSettings settings;
};

extern const command_rec kDirectives[];

// Per-directory counter slots are handed out while the configuration is read.
void ResetDirSlots();

void* CreateServerConfig(apr_pool_t* p, server_rec* s);
void* MergeServerConfig(apr_pool_t* p, void* base, void* add);
void* CreateDirConfig(apr_pool_t* p, char* dir);
void* MergeDirConfig(apr_pool_t* p, void* base, void* add);

inline ServerConfig* GetServerConfig(server_rec* s) {
  return static_cast<ServerConfig*>(ap_get_module_config(s->module_config, &cppcgi_module));
}
inline DirConfig* GetDirConfig(request_rec* r) {
  return static_cast<DirConfig*>(ap_get_module_config(r->per_dir_config, &cppcgi_module));
}

// The settings in effect for `r`'s script (core/config.h's Resolve): read
// once per request.
EffectiveSettings RequestSettings(request_rec* r);

}  // namespace cppcgi
