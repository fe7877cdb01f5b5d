/* Unit tests for the network library: -p parsing, CIDRs and the subnet
 * choice, leases, hosts/resolv.conf, netlink and nf_tables message building,
 * validation of hostile netopts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "net/ipam.h"
#include "base/json.h"
#include "net/etcfiles.h"
#include "net/net.h"
#include "net/netlink.h"
#include "net/nft.h"
#include "unit.h"

TEST(net_port_parse)
{
    sbc_err e = {0};
    sbc_port p;
    char s[64];
    CHECK_INT(sbc_port_parse("8080:80", &p, &e), 0);
    CHECK(p.host_ip == 0 && p.host_port == 8080 && p.port == 80 && p.proto == IPPROTO_TCP);
    CHECK_INT(sbc_port_parse("127.0.0.1:5353:53/udp", &p, &e), 0);
    CHECK(p.host_ip == 0x7f000001 && p.host_port == 5353 && p.port == 53 && p.proto == IPPROTO_UDP);
    sbc_port_fmt(&p, s, sizeof s);
    CHECK_STR(s, "127.0.0.1:5353->53/udp");
    CHECK_INT(sbc_port_parse("80", &p, &e), 0);
    CHECK(p.host_port == 0 && p.port == 80);
    CHECK_INT(sbc_port_parse("10.0.0.1::80/tcp", &p, &e), 0);
    CHECK(p.host_ip == 0x0a000001 && p.host_port == 0 && p.port == 80);
    CHECK_INT(sbc_port_parse(":80/udp", &p, &e), 0); /* empty host port: a free one */
    CHECK(p.host_port == 0 && p.proto == IPPROTO_UDP);
    const char *bad[] = {"", "0:80", "80:0", "65536:80", "a:80", "1.2.3:80:80", "80/sctp", "1:2:3:4",
                         "8000-8010:80", "[::1]:80:80", "80:", "1.2.3.4:80", "80/TCP",
                         "99999999999999999999999999999999999999999999999999999999999999999999:1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.msg[0] = 0;
        int r = sbc_port_parse(bad[i], &p, &e);
        if (!strcmp(bad[i], "1.2.3.4:80")) { /* IP:CTRPORT is HOSTPORT:CTRPORT with a bad port */
            CHECK(r < 0);
            continue;
        }
        CHECK(r < 0 && strstr(e.msg, "invalid port specification"));
        if (r == 0)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
    }
}

TEST(net_cidr_and_subnet_pick)
{
    sbc_prefix p, q;
    CHECK_INT(sbc_cidr_parse("10.99.0.0/24", &p, 0), 0);
    CHECK(p.addr == 0x0a630000 && p.len == 24);
    CHECK(sbc_cidr_parse("10.99.0.1/24", &p, 0) < 0);
    CHECK_INT(sbc_cidr_parse("10.99.0.1/24", &p, 1), 0);
    CHECK(sbc_cidr_parse("10.99.0.0/33", &p, 0) < 0);
    CHECK(sbc_cidr_parse("10.99.0.0", &p, 0) < 0);
    CHECK(sbc_cidr_parse("10.99.0.0/", &p, 0) < 0);
    CHECK(sbc_cidr_parse("x/8", &p, 0) < 0);
    sbc_cidr_parse("172.16.0.0/12", &p, 0);
    sbc_cidr_parse("172.20.5.0/24", &q, 0);
    CHECK(sbc_prefix_overlap(p, q) && sbc_prefix_overlap(q, p));
    sbc_cidr_parse("172.21.0.0/16", &p, 0);
    CHECK(!sbc_prefix_overlap(p, q));
    /* nothing used: 172.17.0.0/16 */
    CHECK_INT(sbc_subnet_pick(NULL, 0, &p), 0);
    CHECK(p.addr == 0xac110000 && p.len == 16);
    /* a route in 172.17 and an address in 172.18: 172.19 */
    sbc_prefix used[3];
    sbc_cidr_parse("172.17.3.0/24", &used[0], 0);
    sbc_cidr_parse("172.18.0.0/16", &used[1], 0);
    sbc_cidr_parse("192.0.2.0/24", &used[2], 0);
    CHECK_INT(sbc_subnet_pick(used, 3, &p), 0);
    CHECK(p.addr == 0xac130000);
    /* all of 172.16/12 and 10/8 taken: a 192.168 /24 */
    sbc_cidr_parse("172.16.0.0/12", &used[0], 0);
    sbc_cidr_parse("10.0.0.0/8", &used[1], 0);
    sbc_cidr_parse("192.168.0.0/24", &used[2], 0);
    CHECK_INT(sbc_subnet_pick(used, 3, &p), 0);
    CHECK(p.addr == 0xc0a80100 && p.len == 24);
    /* a default route does not count (callers leave it out), 0.0.0.0/0 would block all */
    sbc_cidr_parse("0.0.0.0/0", &used[0], 0);
    CHECK(sbc_subnet_pick(used, 1, &p) < 0);
}

TEST(net_leases)
{
    sbc_err e = {0};
    char dir[512], sd[512];
    snprintf(dir, sizeof dir, "%s/net/bridge", unit_tmpdir());
    snprintf(sd, sizeof sd, "%s/ctr1", unit_tmpdir());
    mkdir(sd, 0700);
    sbc_leases l;
    sbc_prefix net;
    sbc_cidr_parse("10.1.2.0/29", &net, 0); /* hosts .1-.6, gateway .1 */
    uint32_t gw = net.addr + 1, ip;
    CHECK_INT(sbc_leases_open(&l, dir, &e), 0);
    CHECK_INT(l.n, 0);
    CHECK_INT(sbc_lease_pick(&l, net, gw, 0, 0, &ip, &e), 0);
    CHECK(ip == net.addr + 2);
    sbc_lease_add(&l, ip, "c1", sd, "tcp:0.0.0.0:8080:80");
    sbc_lease_add(&l, net.addr + 3, "c2", "/nonexistent/ctr2", NULL);
    CHECK_INT(sbc_leases_save(&l, &e), 0);
    sbc_leases_close(&l);
    CHECK_INT(sbc_leases_open(&l, dir, &e), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].ports, "tcp:0.0.0.0:8080:80");
    CHECK(sbc_lease_live(&l.v[0]) && !sbc_lease_live(&l.v[1]));
    CHECK_INT(sbc_lease_find(&l, "c2"), 1);
    CHECK_INT(sbc_lease_pick(&l, net, gw, 0, 0, &ip, &e), 0);
    CHECK(ip == net.addr + 4);
    CHECK_INT(sbc_lease_pick(&l, net, gw, 0, 1, &ip, &e), 0); /* the stale .3 is free */
    CHECK(ip == net.addr + 3);
    CHECK(sbc_lease_pick(&l, net, gw, net.addr + 2, 0, &ip, &e) < 0 && strstr(e.msg, "in use"));
    CHECK(sbc_lease_pick(&l, net, gw, gw, 0, &ip, &e) < 0 && strstr(e.msg, "gateway"));
    CHECK(sbc_lease_pick(&l, net, gw, net.addr + 7, 0, &ip, &e) < 0); /* broadcast */
    CHECK(sbc_lease_pick(&l, net, gw, 0x0a010300, 0, &ip, &e) < 0 && strstr(e.msg, "not a host address"));
    for (uint32_t a = 4; a <= 6; a++)
        sbc_lease_add(&l, net.addr + a, "x", sd, "-");
    CHECK(sbc_lease_pick(&l, net, gw, 0, 0, &ip, &e) < 0 && strstr(e.msg, "no free address"));
    sbc_lease_del(&l, 0);
    CHECK_INT(l.n, 4);
    sbc_leases_close(&l);
}

TEST(net_hosts_and_resolv)
{
    sbc_err e = {0};
    sbc_buf b = {0};
    cJSON *add = cJSON_Parse("[\"db:10.0.0.9\",\"gw:host-gateway\"]");
    CHECK_INT(sbc_net_hosts(&b, "10.99.0.2", "abc123", "web", add, "10.99.0.1", &e), 0);
    CHECK(strstr(b.data, "127.0.0.1\tlocalhost\n") == b.data);
    CHECK(strstr(b.data, "\n10.99.0.2\tabc123 web\n"));
    CHECK(strstr(b.data, "\n10.0.0.9\tdb\n"));
    CHECK(strstr(b.data, "\n10.99.0.1\tgw\n"));
    sbc_buf_free(&b);
    CHECK(sbc_net_hosts(&b, NULL, NULL, NULL, add, NULL, &e) < 0); /* host-gateway without a gateway */
    sbc_buf_free(&b);
    cJSON_Delete(add);

    const char *host = "# generated\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.com\n";
    const char *sd = "nameserver 192.0.2.53\nnameserver 127.0.0.1\nnameserver 198.51.100.53\n";
    sbc_net_resolv(&b, host, sd, NULL, NULL, NULL, 0);
    CHECK(strstr(b.data, "nameserver 192.0.2.53\nnameserver 198.51.100.53\n"));
    CHECK(!strstr(b.data, "127.0.0"));
    CHECK(strstr(b.data, "search example.com\n") && strstr(b.data, "options edns0 trust-ad\n"));
    sbc_buf_free(&b);
    sbc_net_resolv(&b, host, NULL, NULL, NULL, NULL, 0); /* no systemd list: public fallback */
    CHECK(strstr(b.data, "nameserver 8.8.8.8\n") && !strstr(b.data, "127.0.0.53"));
    sbc_buf_free(&b);
    sbc_net_resolv(&b, host, NULL, NULL, NULL, NULL, 1); /* host network keeps it */
    CHECK(strstr(b.data, "nameserver 127.0.0.53\n") && !strstr(b.data, "8.8.8.8"));
    sbc_buf_free(&b);
    cJSON *dns = cJSON_Parse("[\"1.1.1.1\"]"), *search = cJSON_Parse("[\"corp.example\"]");
    sbc_net_resolv(&b, "nameserver 10.0.0.1\nsearch a.b\n", NULL, dns, search, NULL, 0);
    CHECK_STR(b.data, "search corp.example\nnameserver 1.1.1.1\n");
    sbc_buf_free(&b);
    sbc_net_resolv(&b, "nameserver 10.0.0.1\n", NULL, NULL, NULL, NULL, 0);
    CHECK_STR(b.data, "nameserver 10.0.0.1\n");
    sbc_buf_free(&b);
    cJSON_Delete(dns);
    cJSON_Delete(search);
}

/* find attribute type t in [p, p+len) */
static const struct nlattr *find_attr(const void *p, size_t len, int t)
{
    const struct nlattr *tb[64];
    sbc_nla_parse(tb, 63, p, len);
    return t < 64 ? tb[t] : NULL;
}

TEST(net_rtnl_veth_message)
{
    sbc_nlb b = {0};
    uint8_t mac[6] = {2, 0x42, 10, 99, 0, 2};
    sbc_rtnl_msg_veth(&b, "vsbc0a630002", 7, "eth0", 4242, -1, mac);
    struct nlmsghdr *h = (struct nlmsghdr *)b.data;
    CHECK_INT(h->nlmsg_len, b.len);
    CHECK_INT(h->nlmsg_type, RTM_NEWLINK);
    CHECK(h->nlmsg_flags & NLM_F_CREATE && h->nlmsg_flags & NLM_F_EXCL && h->nlmsg_flags & NLM_F_ACK);
    const char *attrs = (const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct ifinfomsg));
    size_t alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg));
    const struct nlattr *a = find_attr(attrs, alen, IFLA_IFNAME);
    CHECK(a && !strcmp(sbc_nla_data(a), "vsbc0a630002"));
    a = find_attr(attrs, alen, IFLA_MASTER);
    CHECK(a && *(const uint32_t *)sbc_nla_data(a) == 7);
    const struct nlattr *li = find_attr(attrs, alen, IFLA_LINKINFO);
    CHECK(li != NULL);
    if (!li)
        return;
    CHECK(li->nla_type & NLA_F_NESTED);
    a = find_attr(sbc_nla_data(li), sbc_nla_len(li), IFLA_INFO_KIND);
    CHECK(a && !strcmp(sbc_nla_data(a), "veth"));
    const struct nlattr *d = find_attr(sbc_nla_data(li), sbc_nla_len(li), IFLA_INFO_DATA);
    const struct nlattr *peer = d ? find_attr(sbc_nla_data(d), sbc_nla_len(d), VETH_INFO_PEER) : NULL;
    CHECK(peer != NULL);
    if (!peer)
        return;
    const char *pa = (const char *)sbc_nla_data(peer) + sizeof(struct ifinfomsg);
    size_t pl = sbc_nla_len(peer) - sizeof(struct ifinfomsg);
    a = find_attr(pa, pl, IFLA_IFNAME);
    CHECK(a && !strcmp(sbc_nla_data(a), "eth0"));
    a = find_attr(pa, pl, IFLA_NET_NS_PID);
    CHECK(a && *(const uint32_t *)sbc_nla_data(a) == 4242);
    a = find_attr(pa, pl, IFLA_ADDRESS);
    CHECK(a && sbc_nla_len(a) == 6 && !memcmp(sbc_nla_data(a), mac, 6));
    /* nests end where the message ends */
    CHECK((const char *)li + li->nla_len == (const char *)b.data + b.len);
    sbc_nlb_free(&b);
}

TEST(net_rtnl_addr_route_messages)
{
    sbc_nlb b = {0};
    sbc_rtnl_msg_addr(&b, 1, 3, 0x0a630002, 24);
    size_t first = b.len;
    sbc_rtnl_msg_route(&b, 1, 0, 0, 0x0a630001, 3);
    struct nlmsghdr *h = (struct nlmsghdr *)b.data;
    CHECK_INT(h->nlmsg_len, first);
    const struct ifaddrmsg *ifa = NLMSG_DATA(h);
    CHECK(ifa->ifa_family == AF_INET && ifa->ifa_prefixlen == 24 && ifa->ifa_index == 3);
    const struct nlattr *a = find_attr((const char *)ifa + NLMSG_ALIGN(sizeof *ifa),
                                       h->nlmsg_len - NLMSG_LENGTH(sizeof *ifa), IFA_BROADCAST);
    CHECK(a && *(const uint32_t *)sbc_nla_data(a) == htonl(0x0a6300ff));
    h = (struct nlmsghdr *)(b.data + first);
    CHECK_INT(h->nlmsg_type, RTM_NEWROUTE);
    CHECK_INT(first + h->nlmsg_len, b.len);
    const struct rtmsg *rt = NLMSG_DATA(h);
    CHECK(rt->rtm_dst_len == 0 && rt->rtm_table == RT_TABLE_MAIN);
    a = find_attr((const char *)rt + NLMSG_ALIGN(sizeof *rt), h->nlmsg_len - NLMSG_LENGTH(sizeof *rt), RTA_GATEWAY);
    CHECK(a && *(const uint32_t *)sbc_nla_data(a) == htonl(0x0a630001));
    sbc_nlb_free(&b);
}

TEST(net_nft_batch_message)
{
    sbc_nlb b = {0};
    sbc_nft_begin(&b);
    sbc_nft_add_table(&b, "sbc-x");
    size_t x = sbc_nft_rule(&b, "sbc-x", "ports");
    sbc_nft_x_l4proto(&b, IPPROTO_TCP);
    sbc_nft_x_dport(&b, 8080);
    sbc_nft_x_dnat(&b, 0x0a630002, 80);
    sbc_nft_rule_end(&b, x, "cid1");
    sbc_nft_end(&b);
    int n = 0, types[8];
    const struct nlmsghdr *rule = NULL;
    for (size_t off = 0; off < b.len && n < 8; n++) {
        const struct nlmsghdr *h = (const struct nlmsghdr *)(b.data + off);
        types[n] = h->nlmsg_type;
        if (h->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
            rule = h;
        off += NLMSG_ALIGN(h->nlmsg_len);
    }
    CHECK_INT(n, 4);
    CHECK_INT(types[0], NFNL_MSG_BATCH_BEGIN);
    CHECK_INT(types[3], NFNL_MSG_BATCH_END);
    const struct nfgenmsg *g = NLMSG_DATA((const struct nlmsghdr *)b.data);
    CHECK(ntohs(g->res_id) == NFNL_SUBSYS_NFTABLES);
    CHECK(rule != NULL);
    if (!rule)
        return;
    CHECK(rule->nlmsg_flags & NLM_F_APPEND && rule->nlmsg_flags & NLM_F_ACK);
    const char *ap = (const char *)NLMSG_DATA(rule) + NLMSG_ALIGN(sizeof(struct nfgenmsg));
    size_t al = rule->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
    const struct nlattr *a = find_attr(ap, al, NFTA_RULE_CHAIN);
    CHECK(a && !strcmp(sbc_nla_data(a), "ports"));
    a = find_attr(ap, al, NFTA_RULE_USERDATA); /* nftnl comment TLV: type 0, len, "cid1\0" */
    CHECK(a && sbc_nla_len(a) == 7 && !memcmp(sbc_nla_data(a), "\0\5cid1", 7));
    const struct nlattr *ex = find_attr(ap, al, NFTA_RULE_EXPRESSIONS);
    CHECK(ex != NULL);
    if (!ex)
        return;
    /* meta, cmp, payload, cmp, immediate, immediate, nat */
    const char *names[] = {"meta", "cmp", "payload", "cmp", "immediate", "immediate", "nat"};
    int k = 0;
    const char *p = sbc_nla_data(ex);
    size_t left = sbc_nla_len(ex);
    while (left >= 4 && k < 8) {
        const struct nlattr *el = (const struct nlattr *)p;
        const struct nlattr *nm = find_attr(sbc_nla_data(el), sbc_nla_len(el), NFTA_EXPR_NAME);
        CHECK(k < 7 && nm && !strcmp(sbc_nla_data(nm), names[k]));
        k++;
        size_t step = NLA_ALIGN(el->nla_len);
        if (step >= left)
            break;
        p += step;
        left -= step;
    }
    CHECK_INT(k, 7);
    sbc_nlb_free(&b);
}

/* parse, then check against the network, as create does */
static int validate(const cJSON *j, sbc_err *e)
{
    sbc_netopts o;
    if (sbc_netopts_parse(j, &o, e) < 0)
        return -1;
    int r = sbc_net_validate(&o, e);
    sbc_netopts_free(&o);
    return r;
}

TEST(net_validate_hostile)
{
    sbc_err e = {0};
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"mode\":\"bogus\"}", "not found"},
        {"{\"ip\":\"10.0.0.300\"}", "invalid IPv4"},
        {"{\"ip\":\"10.0.0.3\",\"mode\":\"none\"}", "--ip needs"},
        {"{\"publish\":[\"80:80:80:80\"]}", "invalid port"},
        {"{\"publish\":[\"8080:80\",\"8080:81\"]}", "published twice"},
        {"{\"publish\":[\"8080:80\"],\"mode\":\"host\"}", "need the bridge"},
        {"{\"publish\":[\"8080:80\"],\"mode\":\"container\"}", "need the bridge"},
        {"{\"ip\":\"10.0.0.3\",\"mode\":\"pasta\"}", "--ip needs"},
        {"{\"mode\":\"slirp\"}", "not found"},
        {"{\"publish\":\"8080:80\"}", "list of strings"},
        {"{\"dns\":[\"not-an-ip\"]}", "invalid DNS server"},
        {"{\"add_hosts\":[\"nocolon\"]}", "--add-host"},
        {"{\"add_hosts\":[\"h:1.2.3\"]}", "--add-host"},
        {"{\"hostname\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "invalid hostname"},
        {"{\"name\":\"bad name\"}", "invalid container name"},
        {"{\"publish_all\":true,\"exposed\":[\"80/sctp\"]}", "invalid"},
        {"[1]", "JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        e.msg[0] = 0;
        int r = validate(j, &e);
        CHECK(r < 0 && strstr(e.msg, cases[i].want));
        if (r == 0 || !strstr(e.msg, cases[i].want))
            fprintf(stderr, "  case %s: %s\n", cases[i].json, e.msg);
        cJSON_Delete(j);
    }
    /* pasta and slirp4netns take published ports (sbc's forwarder) */
    for (int m = 0; m < 2; m++) {
        cJSON *j = cJSON_Parse(m ? "{\"mode\":\"slirp4netns\",\"publish\":[\"127.0.0.1::80\"]}"
                                 : "{\"mode\":\"pasta\",\"publish\":[\"8080:80/udp\"]}");
        sbc_netopts o;
        CHECK_INT(sbc_netopts_parse(j, &o, &e), 0);
        CHECK_INT(o.mode, m ? SBC_NET_SLIRP : SBC_NET_PASTA);
        CHECK_INT(o.nports, 1);
        CHECK(!strcmp(sbc_net_mode_name(o.mode), m ? "slirp4netns" : "pasta"));
        sbc_netopts_free(&o);
        cJSON_Delete(j);
    }
    cJSON *ok = cJSON_Parse("{\"publish\":[\"8080:80\",\"127.0.0.1:53:53/udp\"],\"dns\":[\"1.1.1.1\",\"::1\"],"
                            "\"add_hosts\":[\"db:10.0.0.9\",\"gw:host-gateway\"],\"name\":\"/web\"}");
    CHECK_INT(validate(ok, &e), 0);
    cJSON_Delete(ok);
    /* setup refuses bad ids and state dirs before touching anything */
    CHECK(sbc_net_setup("bad id", 1, NULL, "/tmp/x", NULL, &e) < 0 && strstr(e.msg, "container id"));
    CHECK(sbc_net_setup("ok", 1, NULL, "relative/dir", NULL, &e) < 0 && strstr(e.msg, "state dir"));
    char longid[200];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    CHECK(sbc_net_setup(longid, 1, NULL, "/tmp/x", NULL, &e) < 0);
    /* teardown of nothing recorded is fine */
    CHECK_INT(sbc_net_teardown(unit_tmpdir(), &e), 0);
}
