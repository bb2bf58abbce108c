# The parts of libevent 2.1's evbuffer (event2/buffer.h), bufferevent
# (event2/bufferevent.h), listener (event2/listener.h), keyvalq
# (event2/keyvalq_struct.h) and evhttp (event2/http.h, event2/http_struct.h)
# that gcore's buffer.pxi and http.pxi use. Names are libevent's own.

from gcore.libevent cimport event_base, evutil_socket_t, timeval


cdef extern from "event2/buffer.h" nogil:
    struct evbuffer

    struct evbuffer_ptr:
        Py_ssize_t pos

    struct evbuffer_cb_info:
        size_t orig_size
        size_t n_added
        size_t n_deleted

    struct evbuffer_cb_entry

    ctypedef void (*evbuffer_cb_func)(evbuffer *buffer, const evbuffer_cb_info *info,
                                      void *arg) noexcept

    enum evbuffer_eol_style:
        EVBUFFER_EOL_ANY
        EVBUFFER_EOL_CRLF
        EVBUFFER_EOL_CRLF_STRICT
        EVBUFFER_EOL_LF
        EVBUFFER_EOL_NUL

    enum evbuffer_ptr_how:
        EVBUFFER_PTR_SET
        EVBUFFER_PTR_ADD

    evbuffer *evbuffer_new()
    void evbuffer_free(evbuffer *buf)
    size_t evbuffer_get_length(const evbuffer *buf)
    int evbuffer_add(evbuffer *buf, const void *data, size_t datlen)
    int evbuffer_add_buffer(evbuffer *outbuf, evbuffer *inbuf)
    int evbuffer_remove(evbuffer *buf, void *data, size_t datlen)
    ssize_t evbuffer_copyout_from(evbuffer *buf, const evbuffer_ptr *pos, void *data_out,
                                  size_t datlen)
    int evbuffer_drain(evbuffer *buf, size_t len)
    int evbuffer_ptr_set(evbuffer *buffer, evbuffer_ptr *ptr, size_t position,
                         evbuffer_ptr_how how)
    evbuffer_ptr evbuffer_search_eol(evbuffer *buffer, evbuffer_ptr *start,
                                     size_t *eol_len_out, evbuffer_eol_style eol_style)
    evbuffer_cb_entry *evbuffer_add_cb(evbuffer *buffer, evbuffer_cb_func cb, void *cbarg)
    int evbuffer_remove_cb_entry(evbuffer *buffer, evbuffer_cb_entry *ent)


cdef extern from "event2/bufferevent.h" nogil:
    struct bufferevent

    ctypedef void (*bufferevent_data_cb)(bufferevent *bev, void *ctx) noexcept
    ctypedef void (*bufferevent_event_cb)(bufferevent *bev, short what, void *ctx) noexcept

    enum bufferevent_options:
        BEV_OPT_CLOSE_ON_FREE

    enum:
        BEV_EVENT_READING
        BEV_EVENT_WRITING
        BEV_EVENT_EOF
        BEV_EVENT_ERROR
        BEV_EVENT_TIMEOUT

    bufferevent *bufferevent_socket_new(event_base *base, evutil_socket_t fd, int options)
    void bufferevent_setcb(bufferevent *bufev, bufferevent_data_cb readcb,
                           bufferevent_data_cb writecb, bufferevent_event_cb eventcb,
                           void *cbarg)
    void bufferevent_getcb(bufferevent *bufev, bufferevent_data_cb *readcb_ptr,
                           bufferevent_data_cb *writecb_ptr,
                           bufferevent_event_cb *eventcb_ptr, void **cbarg_ptr)
    evbuffer *bufferevent_get_input(bufferevent *bufev)
    evbuffer *bufferevent_get_output(bufferevent *bufev)
    int bufferevent_write(bufferevent *bufev, const void *data, size_t size)
    int bufferevent_enable(bufferevent *bufev, short event)
    int bufferevent_disable(bufferevent *bufev, short event)
    evutil_socket_t bufferevent_getfd(bufferevent *bufev)


cdef extern from "event2/listener.h" nogil:
    struct evconnlistener

    enum:
        LEV_OPT_CLOSE_ON_EXEC
        LEV_OPT_DISABLED

    ctypedef void (*evconnlistener_cb)(evconnlistener *, evutil_socket_t, void *, int,
                                       void *) noexcept
    ctypedef void (*evconnlistener_errorcb)(evconnlistener *, void *) noexcept

    evconnlistener *evconnlistener_new(event_base *base, evconnlistener_cb cb, void *ptr,
                                       unsigned flags, int backlog, evutil_socket_t fd)
    void evconnlistener_free(evconnlistener *lev)
    int evconnlistener_enable(evconnlistener *lev)
    int evconnlistener_disable(evconnlistener *lev)
    void evconnlistener_set_error_cb(evconnlistener *lev, evconnlistener_errorcb errorcb)


cdef extern from "event2/keyvalq_struct.h" nogil:
    struct evkeyval:
        char *key
        char *value

    struct evkeyvalq:
        pass


# keyvalq_struct.h's TAILQ_ENTRY and TAILQ_HEAD are anonymous structs, which
# Cython cannot name: these two walk the list in C.
cdef extern from *:
    """
    #include <event2/keyvalq_struct.h>
    static inline struct evkeyval *gcore_keyvalq_first(struct evkeyvalq *q) {
        return q->tqh_first;
    }
    static inline struct evkeyval *gcore_keyval_next(struct evkeyval *kv) {
        return kv->next.tqe_next;
    }
    """
    evkeyval *gcore_keyvalq_first(evkeyvalq *q) nogil
    evkeyval *gcore_keyval_next(evkeyval *kv) nogil


cdef extern from "event2/http.h" nogil:
    struct evhttp
    struct evhttp_connection
    struct evhttp_bound_socket

    enum evhttp_cmd_type:
        EVHTTP_REQ_GET
        EVHTTP_REQ_POST
        EVHTTP_REQ_HEAD
        EVHTTP_REQ_PUT
        EVHTTP_REQ_DELETE
        EVHTTP_REQ_OPTIONS
        EVHTTP_REQ_TRACE
        EVHTTP_REQ_CONNECT
        EVHTTP_REQ_PATCH

    enum evhttp_request_kind:
        EVHTTP_REQUEST
        EVHTTP_RESPONSE

    enum:
        HTTP_INTERNAL
        HTTP_SERVUNAVAIL
        EVHTTP_SERVER_LINGERING_CLOSE

    evhttp *evhttp_new(event_base *base)
    void evhttp_free(evhttp *http)
    evhttp_bound_socket *evhttp_bind_listener(evhttp *http, evconnlistener *listener)
    evhttp_bound_socket *evhttp_bind_socket_with_handle(evhttp *http, const char *address,
                                                        unsigned short port)
    evutil_socket_t evhttp_bound_socket_get_fd(evhttp_bound_socket *bound_socket)
    void evhttp_del_accept_socket(evhttp *http, evhttp_bound_socket *bound_socket)
    void evhttp_set_max_headers_size(evhttp *http, Py_ssize_t max_headers_size)
    void evhttp_set_max_body_size(evhttp *http, Py_ssize_t max_body_size)
    void evhttp_set_default_content_type(evhttp *http, const char *content_type)
    void evhttp_set_allowed_methods(evhttp *http, unsigned short methods)
    void evhttp_set_gencb(evhttp *http, void (*cb)(evhttp_request *, void *) noexcept,
                          void *arg)
    void evhttp_set_bevcb(evhttp *http,
                          bufferevent *(*cb)(event_base *, void *) noexcept, void *arg)
    void evhttp_set_timeout_tv(evhttp *http, const timeval *tv)
    int evhttp_set_flags(evhttp *http, int flags)

    void evhttp_send_error(evhttp_request *req, int error, const char *reason)
    void evhttp_send_reply(evhttp_request *req, int code, const char *reason,
                           evbuffer *databuf)
    void evhttp_send_reply_start(evhttp_request *req, int code, const char *reason)
    void evhttp_send_reply_chunk(evhttp_request *req, evbuffer *databuf)
    void evhttp_send_reply_end(evhttp_request *req)

    evhttp_connection *evhttp_request_get_connection(evhttp_request *req)
    bufferevent *evhttp_connection_get_bufferevent(evhttp_connection *evcon)
    evhttp *evhttp_connection_get_server(evhttp_connection *evcon)
    void evhttp_connection_free(evhttp_connection *evcon)
    void evhttp_connection_set_closecb(evhttp_connection *evcon,
                                       void (*)(evhttp_connection *, void *) noexcept,
                                       void *arg)
    void evhttp_connection_get_peer(evhttp_connection *evcon, char **address,
                                    unsigned short *port)

    const char *evhttp_request_get_uri(const evhttp_request *req)
    evhttp_cmd_type evhttp_request_get_command(const evhttp_request *req)
    int evhttp_request_get_response_code(const evhttp_request *req)
    const char *evhttp_request_get_response_code_line(const evhttp_request *req)
    evkeyvalq *evhttp_request_get_input_headers(evhttp_request *req)
    evkeyvalq *evhttp_request_get_output_headers(evhttp_request *req)
    evbuffer *evhttp_request_get_input_buffer(evhttp_request *req)
    evbuffer *evhttp_request_get_output_buffer(evhttp_request *req)

    const char *evhttp_find_header(const evkeyvalq *headers, const char *key)
    int evhttp_remove_header(evkeyvalq *headers, const char *key)
    int evhttp_add_header(evkeyvalq *headers, const char *key, const char *value)
    void evhttp_clear_headers(evkeyvalq *headers)


cdef extern from "event2/http_struct.h" nogil:
    # Public in libevent 2.1: the fields gcore reads that have no accessor.
    struct evhttp_request:
        evhttp_connection *evcon
        char *remote_host
        unsigned short remote_port
        evhttp_request_kind kind
        char major
        char minor
        unsigned int chunked
        unsigned int userdone
