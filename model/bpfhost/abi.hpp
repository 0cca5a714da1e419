// The C functions the host build calls (hooks.cpp: the __tsan_* instrumentation ABI; helpers.cpp:
// helpers and kfuncs; mls_platform.cpp: the mls library's platform). The executable exports them
// (exports.list) for the shared object to bind to when it is loaded; nothing in the executable
// calls them, so the Host pulls their object files into the link through these anchors.
#pragma once

namespace lsmc::model::bpfhost {

void abi_link();
void hooks_anchor();
void mls_platform_anchor();

}  // namespace lsmc::model::bpfhost
