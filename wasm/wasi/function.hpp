#pragma once
// The whole life of one request in a WASI function: read the CGI request, plan, read the
// KV keys, decide, apply the decision to the directory KV, write the CGI response.

namespace edgepost::wasi {

int run_click_function();
int run_postback_function();

}  // namespace edgepost::wasi
