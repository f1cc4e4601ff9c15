// Reached only from a plain layer (cmake/Layers.cmake: ecsd_plain_layer).
#error "ecsd layers: <boost/asio/steady_timer.hpp> is forbidden here: Beast and Asio belong to the network layers (src/server, src/agent/net, src/agent/runtime)"
