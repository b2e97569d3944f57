"""The port bridge's rule logic (module_utils/_port_bridge.py), on iptables -S output of dockerd 20.10."""

from ansible_collections.hardened.docker.plugins.module_utils import _port_bridge as pb

NAT_DOCKER = """-N DOCKER
-A DOCKER -i docker0 -j RETURN
-A DOCKER -d 172.18.0.5/32 ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:8080
"""
# userland-proxy false (hairpin): no "! -i docker0" in the DNAT rule.
NAT_DOCKER_HAIRPIN = """-N DOCKER
-A DOCKER -i docker0 -j RETURN
-A DOCKER -d 172.18.0.5/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:8080
"""
FILTER_DOCKER = """-N DOCKER
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT
"""
PREROUTING = """-P PREROUTING ACCEPT
-A PREROUTING -p tcp --dport 2222 -j REDIRECT --to-ports 22
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
"""
OUTPUT = """-P OUTPUT ACCEPT
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
"""
FORWARD = """-P FORWARD DROP
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -o br-1234 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o br-1234 -j DOCKER
"""
STOP = '2026-12-04T19:30:00'


def chains(nat_docker=NAT_DOCKER, filter_docker=FILTER_DOCKER):
    return {
        ('nat', 'DOCKER'): pb.parse_rules(nat_docker, 'DOCKER'),
        ('filter', 'DOCKER'): pb.parse_rules(filter_docker, 'DOCKER'),
        ('nat', 'PREROUTING'): pb.parse_rules(PREROUTING, 'PREROUTING'),
        ('nat', 'OUTPUT'): pb.parse_rules(OUTPUT, 'OUTPUT'),
        ('filter', 'FORWARD'): pb.parse_rules(FORWARD, 'FORWARD'),
    }


def test_plan_copies_dockers_rules_then_jumps_just_before_dockers_jumps():
    lines = pb.describe(pb.plan(chains(), STOP))
    time = '-m time --datestop %s' % STOP
    assert lines == [
        '-t nat -N HARDENED-DOCKER-BRIDGE',
        '-t nat -A HARDENED-DOCKER-BRIDGE -i docker0 -j RETURN',
        '-t nat -A HARDENED-DOCKER-BRIDGE -d 172.18.0.5/32 ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT'
        ' --to-destination 172.17.0.2:8080',
        '-t filter -N HARDENED-DOCKER-BRIDGE',
        '-t filter -A HARDENED-DOCKER-BRIDGE -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080'
        ' -j ACCEPT',
        # after the operator's REDIRECT, before dockerd's jump
        '-t nat -I PREROUTING 2 -m addrtype --dst-type LOCAL %s -j HARDENED-DOCKER-BRIDGE' % time,
        '-t nat -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL %s -j HARDENED-DOCKER-BRIDGE' % time,
        # after DOCKER-USER and the isolation, one per bridge, each before dockerd's (shifted by the first)
        '-t filter -I FORWARD 4 -o docker0 %s -j HARDENED-DOCKER-BRIDGE' % time,
        '-t filter -I FORWARD 8 -o br-1234 %s -j HARDENED-DOCKER-BRIDGE' % time,
    ]


def test_nothing_to_bridge_without_a_port_mapping():
    assert pb.plan(chains(nat_docker="-N DOCKER\n-A DOCKER -i docker0 -j RETURN\n"), STOP) == []
    # dockerd does not manage iptables: no DOCKER chain at all
    assert pb.plan({('nat', 'DOCKER'): None}, STOP) == []


def test_no_half_bridge_for_a_chain_layout_it_does_not_know():
    # Engine 28: FORWARD jumps to DOCKER-FORWARD, which reaches filter DOCKER; no jump to DOCKER in FORWARD.
    layout = chains()
    layout[('filter', 'FORWARD')] = pb.parse_rules("-A FORWARD -j DOCKER-USER\n-A FORWARD -j DOCKER-FORWARD\n",
                                                   'FORWARD')
    assert pb.plan(layout, STOP) == []


def test_removal_deletes_the_jumps_first_then_the_chains():
    with_bridge = chains()
    with_bridge[('nat', 'PREROUTING')] = pb.parse_rules(
        PREROUTING + '-A PREROUTING -m addrtype --dst-type LOCAL -m time --datestop %s -j HARDENED-DOCKER-BRIDGE\n'
        % STOP, 'PREROUTING')
    with_bridge[('filter', 'FORWARD')] = pb.parse_rules(
        FORWARD + '-A FORWARD -o docker0 -m time --datestop %s -j HARDENED-DOCKER-BRIDGE\n' % STOP, 'FORWARD')
    lines = pb.describe(pb.removal(with_bridge, {'nat': True, 'filter': True}))
    assert lines == [
        '-t nat -D PREROUTING -m addrtype --dst-type LOCAL -m time --datestop %s -j HARDENED-DOCKER-BRIDGE' % STOP,
        '-t filter -D FORWARD -o docker0 -m time --datestop %s -j HARDENED-DOCKER-BRIDGE' % STOP,
        '-t nat -F HARDENED-DOCKER-BRIDGE',
        '-t nat -X HARDENED-DOCKER-BRIDGE',
        '-t filter -F HARDENED-DOCKER-BRIDGE',
        '-t filter -X HARDENED-DOCKER-BRIDGE',
    ]
    assert pb.removal(chains(), {'nat': False, 'filter': False}) == []


def test_restored_when_dockerd_has_each_mapping_back_even_in_hairpin_form():
    bridge = {'nat': pb.parse_rules(NAT_DOCKER, 'DOCKER'), 'filter': pb.parse_rules(FILTER_DOCKER, 'DOCKER')}
    assert pb.restored(bridge, {'nat': pb.parse_rules(NAT_DOCKER, 'DOCKER'),
                                'filter': pb.parse_rules(FILTER_DOCKER, 'DOCKER')})
    assert pb.restored(bridge, {'nat': pb.parse_rules(NAT_DOCKER_HAIRPIN, 'DOCKER'),
                                'filter': pb.parse_rules(FILTER_DOCKER, 'DOCKER')})
    # the chains recreated, the mappings not yet
    assert not pb.restored(bridge, {'nat': pb.parse_rules("-A DOCKER -i docker0 -j RETURN\n", 'DOCKER'),
                                    'filter': []})
    assert not pb.restored(bridge, {'nat': pb.parse_rules(NAT_DOCKER, 'DOCKER'), 'filter': None})


def test_deadline_is_utc():
    assert pb.deadline(60, now=0) == '1970-01-01T00:01:00'
