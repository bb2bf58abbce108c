# The parts of libevent 2.1's evdns (event2/dns.h) and of event2/util.h's
# addrinfo helpers that gcore's dns.pxi uses. Names are libevent's own.

from gcore.libevent cimport event_base


cdef extern from "sys/socket.h" nogil:
    ctypedef unsigned short sa_family_t

    struct sockaddr:
        sa_family_t sa_family

    struct sockaddr_storage:
        sa_family_t ss_family

    enum:
        AF_INET
        AF_INET6


cdef extern from "netinet/in.h" nogil:
    struct in_addr:
        unsigned int s_addr

    struct in6_addr:
        pass

    struct sockaddr_in:
        sa_family_t sin_family
        unsigned short sin_port
        in_addr sin_addr

    struct sockaddr_in6:
        sa_family_t sin6_family
        unsigned short sin6_port
        unsigned int sin6_flowinfo
        in6_addr sin6_addr
        unsigned int sin6_scope_id

    unsigned short ntohs(unsigned short)
    unsigned int ntohl(unsigned int)


cdef extern from "netdb.h" nogil:
    const char *gai_strerror(int errcode)


cdef extern from "event2/util.h" nogil:
    ctypedef int ev_socklen_t

    struct evutil_addrinfo:
        int ai_flags
        int ai_family
        int ai_socktype
        int ai_protocol
        size_t ai_addrlen
        char *ai_canonname
        sockaddr *ai_addr
        evutil_addrinfo *ai_next

    enum:
        EVUTIL_EAI_CANCEL

    void evutil_freeaddrinfo(evutil_addrinfo *ai)
    const char *evutil_gai_strerror(int err)
    const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len)


cdef extern from "event2/dns.h" nogil:
    struct evdns_base
    struct evdns_request
    struct evdns_getaddrinfo_request

    enum:
        DNS_ERR_NONE
        DNS_ERR_FORMAT
        DNS_ERR_SERVERFAILED
        DNS_ERR_NOTEXIST
        DNS_ERR_NOTIMPL
        DNS_ERR_REFUSED
        DNS_ERR_TRUNCATED
        DNS_ERR_UNKNOWN
        DNS_ERR_TIMEOUT
        DNS_ERR_SHUTDOWN
        DNS_ERR_CANCEL
        DNS_ERR_NODATA

        DNS_IPv4_A
        DNS_PTR
        DNS_IPv6_AAAA

        DNS_QUERY_NO_SEARCH

        DNS_OPTION_SEARCH
        DNS_OPTION_NAMESERVERS
        DNS_OPTION_MISC
        DNS_OPTION_HOSTSFILE
        DNS_OPTIONS_ALL

        EVDNS_BASE_INITIALIZE_NAMESERVERS
        EVDNS_BASE_DISABLE_WHEN_INACTIVE

    ctypedef void (*evdns_callback_type)(int result, char type, int count, int ttl,
                                         void *addresses, void *arg) noexcept
    ctypedef void (*evdns_getaddrinfo_cb)(int result, evutil_addrinfo *res, void *arg) noexcept
    ctypedef void (*evdns_debug_log_fn_type)(int is_warning, const char *msg) noexcept

    void evdns_set_log_fn(evdns_debug_log_fn_type fn)

    evdns_base *evdns_base_new(event_base *event_base, int flags)
    void evdns_base_free(evdns_base *base, int fail_requests)
    const char *evdns_err_to_string(int err)

    int evdns_base_count_nameservers(evdns_base *base)
    int evdns_base_clear_nameservers_and_suspend(evdns_base *base)
    int evdns_base_resume(evdns_base *base)
    int evdns_base_nameserver_ip_add(evdns_base *base, const char *ip_as_string)
    int evdns_base_get_nameserver_addr(evdns_base *base, int idx, sockaddr *sa, ev_socklen_t len)

    evdns_request *evdns_base_resolve_ipv4(evdns_base *base, const char *name, int flags,
                                           evdns_callback_type callback, void *ptr)
    evdns_request *evdns_base_resolve_ipv6(evdns_base *base, const char *name, int flags,
                                           evdns_callback_type callback, void *ptr)
    evdns_request *evdns_base_resolve_reverse(evdns_base *base, const in_addr *in_, int flags,
                                              evdns_callback_type callback, void *ptr)
    evdns_request *evdns_base_resolve_reverse_ipv6(evdns_base *base, const in6_addr *in_,
                                                   int flags, evdns_callback_type callback,
                                                   void *ptr)
    void evdns_cancel_request(evdns_base *base, evdns_request *req)

    int evdns_base_set_option(evdns_base *base, const char *option, const char *val)
    int evdns_base_resolv_conf_parse(evdns_base *base, int flags, const char *filename)
    int evdns_base_load_hosts(evdns_base *base, const char *hosts_fname)
    void evdns_base_clear_host_addresses(evdns_base *base)
    void evdns_base_search_clear(evdns_base *base)
    void evdns_base_search_add(evdns_base *base, const char *domain)
    void evdns_base_search_ndots_set(evdns_base *base, const int ndots)

    evdns_getaddrinfo_request *evdns_getaddrinfo(
        evdns_base *dns_base, const char *nodename, const char *servname,
        const evutil_addrinfo *hints_in, evdns_getaddrinfo_cb cb, void *arg)
    void evdns_getaddrinfo_cancel(evdns_getaddrinfo_request *req)
