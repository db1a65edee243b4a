// GET /click (alias /aff_c): records the click and redirects to the offer.
#include "function.hpp"

int main() {
  return edgepost::wasi::run_click_function();
}
