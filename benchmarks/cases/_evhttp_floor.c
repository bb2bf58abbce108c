/* The hello-world of http_keepalive/http_close on libevent's evhttp in C: the ceiling
 * gserve.wsgi (evhttp under Python) can approach.
 *
 * Usage: _evhttp_floor [CPU]   (pins itself to CPU when given and >= 0)
 *
 * Listens on 127.0.0.1 (an ephemeral port, TCP_NODELAY set on the listener
 * as the Python servers do), prints the port, then answers every request
 * with "Hello, World!", Content-Type: text/plain and Content-Length, as
 * cases/_wsgi.py's application does, until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static const char BODY[] = "Hello, World!";

static void on_request(struct evhttp_request *req, void *arg)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    (void)arg;
    evhttp_add_header(out, "Content-Type", "text/plain");
    evhttp_add_header(out, "Content-Length", "13");
    evbuffer_add(evhttp_request_get_output_buffer(req), BODY, sizeof(BODY) - 1);
    evhttp_send_reply(req, 200, "OK", NULL);
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int one = 1, fd;
    struct event_base *base;
    struct evhttp *http;

    if (argc > 1 && atoi(argv[1]) >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(atoi(argv[1]), &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0
            || getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        perror("listen");
        return 1;
    }
    evutil_make_socket_nonblocking(fd);
    base = event_base_new();
    http = evhttp_new(base);
    evhttp_set_gencb(http, on_request, NULL);
    if (evhttp_accept_socket(http, fd) != 0) {
        fprintf(stderr, "evhttp_accept_socket failed\n");
        return 1;
    }
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    event_base_dispatch(base);
    return 0;
}
