// The mls library's platform in the host build (mls_platform.cpp).
#pragma once

#include <memory>

#include "model/bpfhost/host.hpp"

extern "C" {
#include "mls/lib/mls_sys.h"
}

namespace lsmc::model::bpfhost {

// The library's struct mls over the host build's mls_entries and mls_hdr, as mls_open() maps
// them on Linux. Null when the module does not include mls.bpf.h.
std::unique_ptr<struct mls> mls_open_host(Host& h);

}  // namespace lsmc::model::bpfhost
