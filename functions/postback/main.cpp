// GET or POST /postback (alias /aff_lsr): the advertiser reports a conversion.
#include "function.hpp"

int main() {
  return edgepost::wasi::run_postback_function();
}
