// SPDX-License-Identifier: Apache-2.0
#include "glue/module_state.h"

namespace cppcgi {

ModuleState& State() {
  static ModuleState state;
  return state;
}

}  // namespace cppcgi
