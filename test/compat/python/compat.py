#!/usr/bin/env python3
# librdkafka (through Debian's python3-confluent-kafka) against a bootstrap address, Weir's Kafka
# listener in the tests: python3 compat.py <bootstrap> [scenario...]. Scenarios: admin, produce,
# group, transactions, connect (metadata only), tenant and tenant-list for namespace isolation
# (named by COMPAT_TENANT, a JSON {topic, group, tag}), filtered-tail for auto-commit past
# records a transform drops (COMPAT_TAIL, a JSON {topic, group, end}), and refused for the error
# a producer's delivery report names on each topic (COMPAT_REFUSED, a JSON list of topics). COMPAT_CONFIG (a JSON object) adds settings
# (SASL, TLS) to every client. Prints one JSON object on stdout: each scenario's findings (or its
# error), and every address librdkafka opened a connection to, read from its own debug log,
# because a test broker that is reachable directly would hide an address the gateway forgot to
# rewrite.
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic

ALL = ['admin', 'produce', 'group', 'transactions']
COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']
ACKS0_RECORDS = 5

# "CONNECT [client#producer-1] [thrd:127.0.0.1:9092/1]: 127.0.0.1:9092/1: Connecting to
# ipv4#127.0.0.1:9092 (plaintext) with socket 7" (debug context "broker"). With TLS the thread is
# named "sasl_ssl://<host>:<port>/<id>" and the address is what <host> resolved to.
CONNECTING = re.compile(r'\[thrd:([^\]]*)\].*Connecting to ipv[46]#(\S+):(\d+) ')
# Logical brokers (GroupCoordinator, TxnCoordinator) connect to whichever broker they were last
# pointed at: "GroupCoordinator: Broker nodename changed from "" to "<host>:<port>"".
NODENAME = re.compile(r'\]: (\w+)(?:/-?\d+)?: Broker nodename changed from "[^"]*" to "([^"]*)"')


class Collector(logging.Handler):
    """Keeps the addresses connected to and the warnings, from every client's log."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.connections = {}
        self.nodenames = {}
        self.warnings = []

    def emit(self, record):
        message = record.getMessage()
        m = CONNECTING.search(message)
        n = NODENAME.search(message)
        if m:
            broker = m.group(1)
            # The host:port a logical broker was pointed at (None for a real broker: its name says).
            nodename = self.nodenames.get(broker)
            # By broker name too: behind SNI every broker shares one address.
            key = '%s %s %s:%s' % (broker, nodename, m.group(2), m.group(3))
            self.connections.setdefault(
                key,
                {'host': m.group(2), 'port': int(m.group(3)), 'broker': broker, 'nodename': nodename},
            )
        elif n:
            self.nodenames[n.group(1)] = n.group(2)
        elif record.levelno >= logging.WARNING and len(self.warnings) < 50:
            self.warnings.append(message)


collector = Collector()
logger = logging.getLogger('librdkafka')
logger.setLevel(logging.DEBUG)
logger.addHandler(collector)
logger.propagate = False

bootstrap = ''
extra_conf = json.loads(os.environ.get('COMPAT_CONFIG') or '{}')


def conf(client_id, **extra):
    c = {
        'bootstrap.servers': bootstrap,
        'client.id': client_id,
        'logger': logger,
        # Connection events only: enough to learn every address, little else.
        'debug': 'broker',
    }
    c.update(extra_conf)
    c.update(extra)
    return c


def name(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:8])


def brokers_of(metadata):
    return sorted(
        ({'id': b.id, 'host': b.host, 'port': b.port} for b in metadata.brokers.values()),
        key=lambda b: b['id'],
    )


def admin_client():
    return AdminClient(conf('compat-py-admin'))


def create_topic(admin, prefix, partitions):
    topic = name(prefix)
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)
    wait_for_leaders(admin, topic, partitions)
    return topic


def wait_for_leaders(admin, topic, partitions):
    deadline = time.time() + 30
    while time.time() < deadline:
        t = admin.list_topics(topic, timeout=10).topics.get(topic)
        if t is not None and t.error is None and len(t.partitions) == partitions:
            if all(p.leader >= 0 for p in t.partitions.values()):
                return t
        time.sleep(0.1)
    raise RuntimeError('topic %s has no leaders after 30 s' % topic)


def delete_topic(admin, topic):
    admin.delete_topics([topic])[topic].result(30)


def value(compression, i):
    # Repetitive, so every codec shrinks it.
    return ('value %d compressed with %s. ' % (i, compression)) * 8


def header(msg, key):
    for k, v in msg.headers() or []:
        if k == key:
            return v.decode()
    return None


def scenario_admin():
    r = {}
    admin = admin_client()
    topic = name('py-admin')
    admin.create_topics([NewTopic(topic, 3, 1)])[topic].result(30)
    r['created'] = topic
    described = wait_for_leaders(admin, topic, 3)
    metadata = admin.list_topics(timeout=10)
    r['clusterId'] = metadata.cluster_id
    r['controllerId'] = metadata.controller_id
    r['brokers'] = brokers_of(metadata)
    r['leaders'] = sorted(p.leader for p in described.partitions.values())
    delete_topic(admin, topic)
    deadline = time.time() + 10
    while topic in admin.list_topics(timeout=10).topics and time.time() < deadline:
        time.sleep(0.1)
    r['listedAfterDelete'] = topic in admin.list_topics(timeout=10).topics
    admin.poll(0)
    return r


def scenario_produce():
    r = {}
    admin = admin_client()
    topic = create_topic(admin, 'py-produce', 3)
    per_compression = 20
    sent = {}
    errors = []
    learned = {}
    for compression in COMPRESSIONS:
        producer = Producer(
            conf(
                'compat-py-producer-' + compression,
                **{
                    'compression.type': compression,
                    'enable.idempotence': True,
                    'acks': 'all',
                    # Batches of several records, or compression would have little to do.
                    'linger.ms': 20,
                }
            )
        )
        delivered = []

        def on_delivery(err, msg, delivered=delivered):
            if err is not None:
                errors.append(str(err))
            else:
                delivered.append(msg.partition())

        for i in range(per_compression):
            producer.produce(
                topic,
                key='%s-%d' % (compression, i),
                value=value(compression, i),
                headers=[('compression', compression), ('i', str(i))],
                on_delivery=on_delivery,
            )
        left = producer.flush(30)
        sent[compression] = {
            'records': len(delivered),
            'partitions': sorted(set(delivered)),
            'undelivered': left,
        }
        learned[compression] = brokers_of(producer.list_topics(topic, timeout=10))
    # acks=0 has no response: the proxy must not wait for one, and the records still arrive.
    producer = Producer(
        conf('compat-py-producer-acks0', **{'acks': 0, 'enable.idempotence': False})
    )
    for i in range(ACKS0_RECORDS):
        producer.produce(
            topic,
            key='acks0-%d' % i,
            value=value('acks0', i),
            headers=[('compression', 'acks0'), ('i', str(i))],
        )
    sent['acks0'] = {'records': ACKS0_RECORDS, 'undelivered': producer.flush(30)}
    r['sent'] = sent
    r['errors'] = errors
    r['brokersLearned'] = learned

    consumer = Consumer(
        conf('compat-py-reader', **{'group.id': name('py-reader'), 'enable.auto.commit': False})
    )
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(3)])
    received = {}
    mismatches = []
    keys = set()
    total = per_compression * len(COMPRESSIONS) + ACKS0_RECORDS
    count = 0
    deadline = time.time() + 30
    while count < total and time.time() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            mismatches.append('error %s' % msg.error())
            continue
        count += 1
        compression, i = header(msg, 'compression'), header(msg, 'i')
        received[compression] = received.get(compression, 0) + 1
        key = msg.key().decode()
        if key in keys:
            mismatches.append('duplicate ' + key)
        keys.add(key)
        if key != '%s-%s' % (compression, i) or msg.value().decode() != value(compression, int(i)):
            mismatches.append('record %s with headers %s/%s' % (key, compression, i))
    r['consumerBrokers'] = brokers_of(consumer.list_topics(topic, timeout=10))
    consumer.close()
    r['received'] = received
    r['mismatches'] = mismatches
    delete_topic(admin, topic)
    return r


class Member:
    """A group member that commits each record it processed before polling again."""

    def __init__(self, member_id, group, topic, seen):
        self.id = member_id
        self.topic = topic
        self.seen = seen
        self.consumed = 0
        self.assigned_events = 0
        self.commit_errors = []
        self.assignment = []
        self.consumer = Consumer(
            conf(
                'compat-py-group-' + member_id,
                **{
                    'group.id': group,
                    'auto.offset.reset': 'earliest',
                    'enable.auto.commit': False,
                }
            )
        )
        self.subscribed = False

    def subscribe(self):
        def on_assign(consumer, partitions):
            self.assigned_events += 1
            self.assignment = sorted(p.partition for p in partitions)

        def on_revoke(consumer, partitions):
            self.assignment = []

        self.consumer.subscribe([self.topic], on_assign=on_assign, on_revoke=on_revoke)
        self.subscribed = True

    def poll(self):
        if not self.subscribed:
            self.subscribe()
        for msg in self.consumer.consume(5, 0.1):
            if msg.error():
                continue
            self.consumed += 1
            key = msg.key().decode()
            self.seen[key] = self.seen.get(key, 0) + 1
            try:
                self.consumer.commit(message=msg, asynchronous=False)
            except KafkaException as e:
                self.commit_errors.append(str(e))


def produce_keys(producer, topic, start, end):
    for i in range(start, end):
        producer.produce(topic, key='g-%d' % i, value='v%d' % i)
    if producer.flush(30) != 0:
        raise RuntimeError('records left undelivered')


def scenario_group():
    """
    Two consumers in one group: the first takes all three partitions and consumes the first half
    alone; the second's arrival rebalances them, and both share the second half, each record
    processed once across both.
    """
    r = {}
    admin = admin_client()
    topic = create_topic(admin, 'py-group', 3)
    group = name('py-group')
    half = 30
    seen = {}
    producer = Producer(conf('compat-py-group-producer', **{'acks': 'all'}))
    a = Member('a', group, topic, seen)
    b = Member('b', group, topic, seen)
    deadline = time.time() + 120
    produce_keys(producer, topic, 0, half)
    while len(seen) < half and time.time() < deadline:
        a.poll()
    r['aloneAssignment'] = list(a.assignment)
    r['aloneConsumed'] = a.consumed
    b.subscribe()
    while time.time() < deadline and (
        not a.assignment or not b.assignment or len(a.assignment) + len(b.assignment) < 3
    ):
        a.poll()
        b.poll()
    produce_keys(producer, topic, half, 2 * half)
    while len(seen) < 2 * half and time.time() < deadline:
        a.poll()
        b.poll()
    # A little longer: anything delivered twice would show now.
    settle = time.time() + 2
    while time.time() < settle:
        a.poll()
        b.poll()
    r['assignments'] = {'a': a.assignment, 'b': b.assignment}
    r['consumedBy'] = {'a': a.consumed, 'b': b.consumed}
    r['assignedEvents'] = {'a': a.assigned_events, 'b': b.assigned_events}
    r['commitErrors'] = a.commit_errors + b.commit_errors
    committed = a.consumer.committed([TopicPartition(topic, p) for p in range(3)], timeout=10)
    r['committedTotal'] = sum(max(tp.offset, 0) for tp in committed)
    groups = admin.list_groups(group, timeout=10)
    if groups:
        g = groups[0]
        r['groupState'] = g.state
        r['members'] = len(g.members)
        # The broker that answered ListGroups for this group: its coordinator.
        r['coordinator'] = {'id': g.broker.id, 'host': g.broker.host, 'port': g.broker.port}
    a.consumer.close()
    b.consumer.close()
    r['produced'] = 2 * half
    r['distinct'] = len(seen)
    r['duplicates'] = sum(1 for n in seen.values() if n > 1)
    delete_topic(admin, topic)
    return r


def read_all(topic, partitions, isolation):
    consumer = Consumer(
        conf(
            'compat-py-tx-reader',
            **{
                'group.id': name('py-tx-reader'),
                'enable.auto.commit': False,
                'isolation.level': isolation,
            }
        )
    )
    tps = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)]
    # The high watermark a read_committed consumer gets is the last stable offset.
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
    consumer.assign(tps)
    keys = []
    deadline = time.time() + 30
    while time.time() < deadline:
        msg = consumer.poll(0.2)
        if msg is not None and not msg.error():
            keys.append(msg.key().decode())
        positions = consumer.position([TopicPartition(topic, p) for p in range(partitions)])
        if all(tp.offset >= ends[tp.partition] for tp in positions):
            break
    consumer.close()
    return sorted(keys)


def scenario_transactions():
    """One committed transaction, one aborted, one committed: read_committed sees only commits."""
    r = {}
    admin = admin_client()
    topic = create_topic(admin, 'py-tx', 3)
    producer = Producer(conf('compat-py-tx', **{'transactional.id': name('py-tx')}))
    producer.init_transactions(30)
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, key='committed-%d' % i, value='c')
    producer.commit_transaction(30)
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, key='aborted-%d' % i, value='a')
    producer.flush(30)
    producer.abort_transaction(30)
    producer.begin_transaction()
    for i in range(5, 8):
        producer.produce(topic, key='committed-%d' % i, value='c')
    producer.commit_transaction(30)
    r['readCommitted'] = read_all(topic, 3, 'read_committed')
    r['readUncommitted'] = read_all(topic, 3, 'read_uncommitted')
    delete_topic(admin, topic)
    return r


def scenario_connect():
    """Metadata only, for logging in: the brokers, or why it failed (error_cb, served by poll)."""
    errors = []
    admin = AdminClient(conf('compat-py-connect', error_cb=lambda e: errors.append(e.str())))
    try:
        r = {'brokers': brokers_of(admin.list_topics(timeout=10))}
    except KafkaException as e:
        r = {'failed': str(e)}
    admin.poll(1)
    r['errors'] = errors
    return r


def scenario_tenant():
    """
    A tenant's share of the isolation test: a topic and a group under names the other tenant also
    uses, plus a topic and a group of its own (the names suffixed with the tag). One record tagged
    with the tenant goes into each topic; the group reads the shared-name topic from the start, so
    a group or topic the tenants shared would show as a record of the other's or none at all.
    Topics and groups stay for the other tenant and the backend to be checked against.
    """
    t = json.loads(os.environ['COMPAT_TENANT'])
    topic, group, tag = t['topic'], t['group'], t['tag']
    own_topic = '%s-%s' % (topic, tag)
    r = {}
    admin = admin_client()
    for f in admin.create_topics([NewTopic(topic, 1, 1), NewTopic(own_topic, 1, 1)]).values():
        f.result(30)
    wait_for_leaders(admin, topic, 1)
    wait_for_leaders(admin, own_topic, 1)
    producer = Producer(conf('compat-py-tenant-producer', **{'acks': 'all'}))
    producer.produce(topic, key=tag, value='from ' + tag)
    producer.produce(own_topic, key=tag, value='from ' + tag)
    if producer.flush(30) != 0:
        raise RuntimeError('records left undelivered')
    consumer = Consumer(
        conf(
            'compat-py-tenant-reader',
            **{'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False}
        )
    )
    consumer.subscribe([topic])
    read = []
    deadline = time.time() + 60
    while not read and time.time() < deadline:
        read += [m.value().decode() for m in consumer.consume(5, 0.2) if not m.error()]
    # A little longer: a record of the other tenant's would show now.
    settle = time.time() + 1
    while time.time() < settle:
        read += [m.value().decode() for m in consumer.consume(5, 0.2) if not m.error()]
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(topic, 0)], timeout=10)
    r['committed'] = {'%s-%d' % (tp.topic, tp.partition): tp.offset for tp in committed}
    consumer.close()
    r['read'] = read
    # The tenant's own group commits without joining, as a tool resetting offsets would.
    own = Consumer(conf('compat-py-tenant-own', **{'group.id': '%s-%s' % (group, tag)}))
    own.commit(offsets=[TopicPartition(own_topic, 0, 1)], asynchronous=False)
    own.close()
    r.update(scenario_tenant_list())
    return r


def scenario_filtered_tail():
    """
    A group with librdkafka's default auto-commit reads the tail topic (one partition), whose last
    records a transform drops, until its position reaches `end`, and polls on for two auto-commit
    intervals: the committed offset, read before the consumer closes (close would commit too),
    shows whether auto-commit alone moved past the dropped tail.
    """
    t = json.loads(os.environ['COMPAT_TAIL'])
    tp = TopicPartition(t['topic'], 0)
    consumer = Consumer(conf('compat-py-tail', **{
        'group.id': t['group'],
        'auto.offset.reset': 'earliest',
        'auto.commit.interval.ms': 500,
    }))
    delivered = []

    def poll():
        msg = consumer.poll(0.2)
        if msg is not None and not msg.error():
            delivered.append(msg.offset())

    try:
        consumer.subscribe([t['topic']])
        deadline = time.time() + 60
        while time.time() < deadline and consumer.position([tp])[0].offset < t['end']:
            poll()
        position = consumer.position([tp])[0].offset
        settle = time.time() + 1.5
        while time.time() < settle:
            poll()
        committed = consumer.committed([tp], timeout=10)[0].offset
    finally:
        consumer.close()
    return {'delivered': delivered, 'position': position, 'committed': committed}


def scenario_read():
    """
    A group reads `count` records of a topic from the beginning: each value as text and the names
    of its headers (what an encrypt policy leaves a reader allowed to decrypt, or not).
    """
    r = json.loads(os.environ['COMPAT_READ'])
    consumer = Consumer(conf('compat-py-read', **{
        'group.id': r['group'],
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
    }))
    records = []
    try:
        consumer.subscribe([r['topic']])
        deadline = time.time() + 60
        while time.time() < deadline and len(records) < r['count']:
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            headers = [k for k, _ in (msg.headers() or [])]
            records.append({'value': msg.value().decode('utf-8'), 'headers': headers})
    finally:
        consumer.close()
    return {'records': records}


def scenario_refused():
    """
    One record to each topic, one after the other: the error name librdkafka's delivery report
    gives (TOPIC_AUTHORIZATION_FAILED, say), or None when delivered. Its timeout is 10 s: a
    refusal the client is not told of shows as _MSG_TIMED_OUT.
    """
    producer = Producer(conf('compat-py-refused', **{'message.timeout.ms': 10000}))
    r = {}
    for topic in json.loads(os.environ['COMPAT_REFUSED']):
        outcome = {}

        def on_delivery(err, msg, outcome=outcome):
            outcome['error'] = None if err is None else err.name()

        producer.produce(topic, value='refused?', on_delivery=on_delivery)
        producer.flush(15)
        r[topic] = outcome.get('error', 'no delivery report')
    return r


def scenario_tenant_list():
    """The topics and groups the tenant can list, and the cluster it is shown."""
    admin = admin_client()
    metadata = admin.list_topics(timeout=10)
    r = {
        'topics': sorted(metadata.topics),
        'groups': sorted(g.id for g in admin.list_groups(timeout=10)),
        'clusterId': metadata.cluster_id,
        'brokers': brokers_of(metadata),
    }
    # Serves the log, and with it the connections made.
    admin.poll(0)
    return r


SCENARIOS = {
    'admin': scenario_admin,
    'produce': scenario_produce,
    'group': scenario_group,
    'transactions': scenario_transactions,
    'connect': scenario_connect,
    'tenant': scenario_tenant,
    'tenant-list': scenario_tenant_list,
    'filtered-tail': scenario_filtered_tail,
    'refused': scenario_refused,
    'read': scenario_read,
}


def main(argv):
    global bootstrap
    bootstrap = argv[1]
    out = {'bootstrap': bootstrap}
    import confluent_kafka

    out['versions'] = {'confluentKafka': confluent_kafka.version()[0], 'librdkafka': confluent_kafka.libversion()[0]}
    for scenario in argv[2:] or ALL:
        start = time.time()
        try:
            result = SCENARIOS[scenario]()
        except Exception:
            result = {'error': traceback.format_exc()}
        result['ms'] = int((time.time() - start) * 1000)
        out[scenario] = result
    out['connections'] = list(collector.connections.values())
    out['warnings'] = collector.warnings
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv)
