#pragma once
// The whole life of one request in a WASI function: read the CGI request, then run the
// library's exchange to its end, carrying out its commands on the directory KV.

namespace edgepost::wasi {

int run_click_function();
int run_postback_function();

}  // namespace edgepost::wasi
