// Java kafka-clients against a bootstrap address (Weir's Kafka listener in the tests). By hand, in
// Java 17 source-file mode: java -cp '<kafka-clients and slf4j-simple jars>/*' Compat.java
// <bootstrap> [scenario...]; the tests compile it once instead (run.ts). Scenarios: admin,
// produce, group-classic, group-consumer, transactions, and tenant and tenant-list for namespace
// isolation (named by -Dcompat.tenant.topic, .group and .tag), refusals for what ACLs refuse
// (-Dcompat.refusals.topics, .group and .txn), regex for a KIP-848 broker-side regex subscription
// (-Dcompat.regex.prefix), filtered-tail for auto-commit past records a transform drops
// (-Dcompat.tail.topic, .group, .end), read for what a consumer is handed (-Dcompat.read.topic,
// .group, .count). -Dcompat.properties=<file> adds client settings (SASL, TLS) to every client.
// Prints one JSON object on stdout: each scenario's findings (or its error), and every address
// the clients opened a connection to, read back from NetworkClient's debug log, because a test
// broker that is reachable directly would hide an address the gateway forgot to rewrite.
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class Compat {
  static final List<String> ALL =
      List.of("admin", "produce", "group-classic", "group-consumer", "transactions");
  static final List<String> COMPRESSIONS = List.of("none", "gzip", "snappy", "lz4", "zstd");
  static final int ACKS0_RECORDS = 5;

  static String bootstrap;
  /** Settings every client gets on top of its own, from -Dcompat.properties. */
  static final Properties extra = new Properties();

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    String extraFile = System.getProperty("compat.properties");
    if (extraFile != null) {
      try (var in = Files.newBufferedReader(Path.of(extraFile))) {
        extra.load(in);
      }
    }
    List<String> scenarios = args.length > 1 ? List.of(args).subList(1, args.length) : ALL;
    // Set before the first client exists: slf4j-simple reads its settings once.
    Path log = Files.createTempFile("weir-compat-java-", ".log");
    System.setProperty("org.slf4j.simpleLogger.logFile", log.toString());
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient", "debug");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "false");

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bootstrap", bootstrap);
    for (String scenario : scenarios) {
      long start = System.nanoTime();
      Map<String, Object> result;
      try {
        result = run(scenario);
      } catch (Throwable e) {
        result = new LinkedHashMap<>();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        result.put("error", trace.toString());
      }
      result.put("ms", (System.nanoTime() - start) / 1_000_000);
      out.put(scenario, result);
    }
    readLog(log, out);
    Files.deleteIfExists(log);
    System.out.println(Json.write(out));
    // Client threads that outlive close() must not keep the JVM up.
    System.exit(0);
  }

  static Map<String, Object> run(String scenario) throws Exception {
    switch (scenario) {
      case "admin":
        return admin();
      case "produce":
        return produce();
      case "group-classic":
        return group("classic");
      case "group-consumer":
        return group("consumer");
      case "transactions":
        return transactions();
      case "tenant":
        return tenant();
      case "tenant-list":
        return tenantList();
      case "refusals":
        return refusals();
      case "regex":
        return regex();
      case "filtered-tail":
        return filteredTail();
      case "read":
        return read();
      default:
        throw new IllegalArgumentException("unknown scenario " + scenario);
    }
  }

  // --- scenarios -------------------------------------------------------------------------------

  /** Create a topic of 3 partitions, describe the cluster and the topic, delete it. */
  static Map<String, Object> admin() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    try (Admin admin = Admin.create(common("compat-java-admin"))) {
      String topic = name("java-admin");
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
      r.put("created", topic);
      DescribeClusterResult cluster = admin.describeCluster();
      r.put("clusterId", cluster.clusterId().get());
      r.put("nodes", nodes(cluster.nodes().get()));
      r.put("controller", node(cluster.controller().get()));
      TopicDescription description = describeWithLeaders(admin, topic);
      r.put("partitions", partitions(description.partitions()));
      admin.deleteTopics(List.of(topic)).all().get();
      r.put("listedAfterDelete", waitUntilGone(admin, topic));
    }
    return r;
  }

  /**
   * With acks=all and idempotence, records with keys and headers in each compression, read back
   * by an assigned consumer and compared field by field.
   */
  static Map<String, Object> produce() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String topic = createTopic("java-produce", 3);
    r.put("topic", topic);
    int perCompression = 20;
    Map<String, Object> sent = new LinkedHashMap<>();
    Map<String, Object> leaders = new LinkedHashMap<>();
    for (String compression : COMPRESSIONS) {
      Properties p = producerProps("compat-java-producer-" + compression);
      p.put("compression.type", compression);
      // Batches of several records, or compression would have little to do.
      p.put("linger.ms", "20");
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        for (int i = 0; i < perCompression; i++) {
          ProducerRecord<String, String> record =
              new ProducerRecord<>(topic, compression + "-" + i, value(compression, i));
          record.headers().add("compression", bytes(compression));
          record.headers().add("i", bytes(String.valueOf(i)));
          futures.add(producer.send(record));
        }
        producer.flush();
        Set<Integer> partitionsUsed = new java.util.TreeSet<>();
        for (Future<RecordMetadata> f : futures) partitionsUsed.add(f.get().partition());
        sent.put(compression, Map.of("records", futures.size(), "partitions", partitionsUsed));
        List<Object> seen = new ArrayList<>();
        for (PartitionInfo info : producer.partitionsFor(topic)) seen.add(node(info.leader()));
        leaders.put(compression, seen);
      }
    }
    // acks=0 has no response (Produce v9+ is flexible, so its acks is read differently than
    // kafkajs's): the proxy must not wait for one, and the records still arrive.
    Properties fireAndForget = producerProps("compat-java-producer-acks0");
    fireAndForget.put("acks", "0");
    fireAndForget.put("enable.idempotence", "false");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(fireAndForget)) {
      for (int i = 0; i < ACKS0_RECORDS; i++) {
        ProducerRecord<String, String> record =
            new ProducerRecord<>(topic, "acks0-" + i, value("acks0", i));
        record.headers().add("compression", bytes("acks0"));
        record.headers().add("i", bytes(String.valueOf(i)));
        producer.send(record);
      }
      producer.flush();
    }
    sent.put("acks0", Map.of("records", ACKS0_RECORDS));
    r.put("sent", sent);
    r.put("leaders", leaders);

    Map<String, Integer> received = new TreeMap<>();
    List<String> mismatches = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    int total = perCompression * COMPRESSIONS.size() + ACKS0_RECORDS;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(null))) {
      List<TopicPartition> tps = topicPartitions(topic, 3);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      int count = 0;
      while (count < total && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          count++;
          String compression = header(rec, "compression");
          String i = header(rec, "i");
          received.merge(compression, 1, Integer::sum);
          if (!keys.add(rec.key())) mismatches.add("duplicate " + rec.key());
          if (!rec.key().equals(compression + "-" + i)
              || !rec.value().equals(value(compression, Integer.parseInt(i)))) {
            mismatches.add("record " + rec.key() + " with headers " + compression + "/" + i);
          }
        }
      }
    }
    r.put("received", received);
    r.put("mismatches", mismatches);
    deleteTopic(topic);
    return r;
  }

  /**
   * Two consumers in one group (the classic protocol or KIP-848's): the first takes all three
   * partitions and consumes the first half alone; the second's arrival rebalances them, and both
   * share the second half. Offsets are committed after each poll and on revocation, so every
   * record is processed exactly once across both.
   */
  static Map<String, Object> group(String protocol) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String topic = createTopic("java-group-" + protocol, 3);
    String group = name("java-group-" + protocol);
    int half = 30;
    Member a = new Member("a", group, protocol, topic);
    Member b = new Member("b", group, protocol, topic);
    Map<String, Integer> seen = new HashMap<>();
    long deadline = System.currentTimeMillis() + 120_000;
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps("compat-java-group-producer"))) {
      produceKeys(producer, topic, 0, half);
      while (seen.size() < half && System.currentTimeMillis() < deadline) a.poll(seen);
      r.put("aloneAssignment", a.assignment());
      r.put("aloneConsumed", a.consumed);
      b.subscribe();
      while (System.currentTimeMillis() < deadline
          && (a.assignment().isEmpty()
              || b.assignment().isEmpty()
              || a.assignment().size() + b.assignment().size() < 3)) {
        a.poll(seen);
        b.poll(seen);
      }
      produceKeys(producer, topic, half, 2 * half);
      while (seen.size() < 2 * half && System.currentTimeMillis() < deadline) {
        a.poll(seen);
        b.poll(seen);
      }
      // A little longer: anything delivered twice would show now.
      long settle = System.currentTimeMillis() + 2_000;
      while (System.currentTimeMillis() < settle) {
        a.poll(seen);
        b.poll(seen);
      }
      r.put("assignments", Map.of("a", a.assignment(), "b", b.assignment()));
      r.put("consumedBy", Map.of("a", a.consumed, "b", b.consumed));
      r.put("assignedEvents", Map.of("a", a.assignedEvents, "b", b.assignedEvents));
      try (Admin admin = Admin.create(common("compat-java-group-admin"))) {
        ConsumerGroupDescription d =
            admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        r.put("groupType", d.type().toString());
        r.put("groupState", d.groupState().toString());
        r.put("members", d.members().size());
        r.put("coordinator", node(d.coordinator()));
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (OffsetAndMetadata o : committed.values()) sum += o.offset();
        r.put("committedTotal", sum);
      }
    } finally {
      a.close();
      b.close();
    }
    int duplicates = 0;
    for (int n : seen.values()) if (n > 1) duplicates++;
    r.put("produced", 2 * half);
    r.put("distinct", seen.size());
    r.put("duplicates", duplicates);
    deleteTopic(topic);
    return r;
  }

  static void produceKeys(KafkaProducer<String, String> producer, String topic, int from, int to)
      throws Exception {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    for (int i = from; i < to; i++) futures.add(producer.send(new ProducerRecord<>(topic, "g-" + i, "v" + i)));
    for (Future<RecordMetadata> f : futures) f.get();
  }

  /** A group member that commits what it processed, after each poll and when revoked. */
  static final class Member {
    final String id;
    final String topic;
    final KafkaConsumer<String, String> consumer;
    final Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();
    int consumed = 0;
    int assignedEvents = 0;
    boolean subscribed = false;

    Member(String id, String group, String protocol, String topic) {
      this.id = id;
      this.topic = topic;
      Properties p = consumerProps(group);
      p.put("group.protocol", protocol);
      p.put("max.poll.records", "5");
      p.put("client.id", "compat-java-" + protocol + "-" + id);
      this.consumer = new KafkaConsumer<>(p);
    }

    void subscribe() {
      consumer.subscribe(
          List.of(topic),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              commit();
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
              assignedEvents++;
            }
          });
      subscribed = true;
    }

    void poll(Map<String, Integer> seen) {
      if (!subscribed) subscribe();
      ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
      for (ConsumerRecord<String, String> rec : records) {
        consumed++;
        seen.merge(rec.key(), 1, Integer::sum);
        processed.put(
            new TopicPartition(rec.topic(), rec.partition()), new OffsetAndMetadata(rec.offset() + 1));
      }
      if (!records.isEmpty()) commit();
    }

    void commit() {
      if (processed.isEmpty()) return;
      Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : processed.entrySet()) {
        if (consumer.assignment().contains(e.getKey())) owned.put(e.getKey(), e.getValue());
      }
      try {
        consumer.commitSync(owned);
        processed.keySet().removeAll(owned.keySet());
      } catch (RuntimeException e) {
        // A rebalance under way: the revocation callback commits them.
      }
    }

    List<Integer> assignment() {
      List<Integer> ps = new ArrayList<>();
      for (TopicPartition tp : consumer.assignment()) ps.add(tp.partition());
      ps.sort(null);
      return ps;
    }

    void close() {
      consumer.close();
    }
  }

  /**
   * A transactional producer: one committed transaction, one aborted, one more committed; then
   * a consume-transform-produce transaction that commits a group's offsets with its records.
   * read_committed sees only the committed records; read_uncommitted sees the aborted ones too.
   */
  static Map<String, Object> transactions() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String topic = createTopic("java-tx", 3);
    String output = createTopic("java-tx-out", 1);
    String transactionalId = name("java-tx");
    Properties p = producerProps("compat-java-tx");
    p.put("transactional.id", transactionalId);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, "committed-" + i, "c"));
      producer.commitTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, "aborted-" + i, "a"));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      for (int i = 5; i < 8; i++) producer.send(new ProducerRecord<>(topic, "committed-" + i, "c"));
      producer.commitTransaction();

      // Consume-transform-produce: the group's offsets commit with the output records.
      String group = name("java-tx-group");
      Properties cp = consumerProps(group);
      cp.put("isolation.level", "read_committed");
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
        consumer.subscribe(List.of(topic));
        int copied = 0;
        long deadline = System.currentTimeMillis() + 30_000;
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        producer.beginTransaction();
        while (copied < 8 && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
            producer.send(new ProducerRecord<>(output, rec.key(), rec.value().toUpperCase()));
            offsets.put(
                new TopicPartition(rec.topic(), rec.partition()),
                new OffsetAndMetadata(rec.offset() + 1));
            copied++;
          }
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();
        r.put("copied", copied);
      }
      try (Admin admin = Admin.create(common("compat-java-tx-admin"))) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (OffsetAndMetadata o : committed.values()) sum += o.offset();
        // Offsets count the transaction markers too, so this is above the 8 records.
        r.put("groupCommittedTotal", sum);
        TransactionDescription tx =
            admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
        r.put("transactionState", tx.state().toString());
        int coordinatorId = tx.coordinatorId();
        for (Node n : admin.describeCluster().nodes().get()) {
          if (n.id() == coordinatorId) r.put("transactionCoordinator", node(n));
        }
      }
    }
    r.put("readCommitted", readAll(topic, 3, "read_committed"));
    r.put("readUncommitted", readAll(topic, 3, "read_uncommitted"));
    r.put("output", readAll(output, 1, "read_committed"));
    deleteTopic(topic);
    deleteTopic(output);
    return r;
  }

  /**
   * A tenant's share of the isolation test: a topic and a group under names the other tenant
   * also uses (compat.tenant.topic and .group), plus a topic and a group of its own (the names
   * suffixed with compat.tenant.tag). One record tagged with the tenant goes into each topic; the
   * group reads the shared-name topic from the start, so a group or topic the tenants shared would
   * show as a record of the other's or none at all. Topics and groups stay for the other tenant
   * and the backend to be checked against.
   */
  static Map<String, Object> tenant() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String topic = System.getProperty("compat.tenant.topic");
    String group = System.getProperty("compat.tenant.group");
    String tag = System.getProperty("compat.tenant.tag");
    String ownTopic = topic + "-" + tag;
    try (Admin admin = Admin.create(common("compat-java-tenant-admin"))) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(ownTopic, 1, (short) 1)))
          .all()
          .get();
      describeWithLeaders(admin, topic);
      describeWithLeaders(admin, ownTopic);
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps("compat-java-tenant-producer"))) {
      producer.send(new ProducerRecord<>(topic, tag, "from " + tag)).get();
      producer.send(new ProducerRecord<>(ownTopic, tag, "from " + tag)).get();
    }
    List<String> read = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(group))) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (read.isEmpty() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          read.add(rec.value());
        }
      }
      // A little longer: a record of the other tenant's would show now.
      long settle = System.currentTimeMillis() + 1_000;
      while (System.currentTimeMillis() < settle) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          read.add(rec.value());
        }
      }
      consumer.commitSync();
    }
    r.put("read", read);
    // The tenant's own group commits without joining, as a tool resetting offsets would.
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(consumerProps(group + "-" + tag))) {
      TopicPartition tp = new TopicPartition(ownTopic, 0);
      consumer.assign(List.of(tp));
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1)));
    }
    try (Admin admin = Admin.create(common("compat-java-tenant-admin"))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<String, Object> offsets = new TreeMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
        offsets.put(e.getKey().toString(), e.getValue().offset());
      }
      r.put("committed", offsets);
    }
    r.putAll(tenantList());
    return r;
  }

  /**
   * A KIP-848 group subscribed by a regex the broker resolves (SubscriptionPattern, RE2J, whole
   * names): topics P-orders, P-orders-v2 and P-other (P from compat.regex.prefix), one record
   * each; the pattern ^P-orders$|^P-orders-.* (anchors as people write them, one past the start)
   * must bring the first two and only them.
   */
  static Map<String, Object> regex() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String prefix = System.getProperty("compat.regex.prefix");
    List<String> topics = List.of(prefix + "-orders", prefix + "-orders-v2", prefix + "-other");
    try (Admin admin = Admin.create(common("compat-java-regex-admin"))) {
      List<NewTopic> created = new ArrayList<>();
      for (String topic : topics) created.add(new NewTopic(topic, 1, (short) 1));
      admin.createTopics(created).all().get();
      for (String topic : topics) describeWithLeaders(admin, topic);
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps("compat-java-regex-producer"))) {
      for (String topic : topics) producer.send(new ProducerRecord<>(topic, "k", topic)).get();
    }
    Properties props = consumerProps(name("java-regex"));
    props.put("group.protocol", "consumer");
    Set<String> read = new java.util.TreeSet<>();
    Set<String> assigned = new java.util.TreeSet<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(
          new SubscriptionPattern("^" + prefix + "-orders$|^" + prefix + "-orders-.*"));
      long deadline = System.currentTimeMillis() + 60_000;
      while (read.size() < 2 && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          read.add(rec.topic());
        }
      }
      // A little longer: a record of a topic the pattern should not reach would show now.
      long settle = System.currentTimeMillis() + 2_000;
      while (System.currentTimeMillis() < settle) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          read.add(rec.topic());
        }
      }
      for (TopicPartition tp : consumer.assignment()) assigned.add(tp.topic());
    }
    r.put("read", new ArrayList<>(read));
    r.put("assigned", new ArrayList<>(assigned));
    return r;
  }

  /**
   * A classic group with auto-commit reads compat.tail.topic (one partition), whose last
   * records a transform drops, until its position reaches compat.tail.end, and polls on for two
   * auto-commit intervals: the group's committed offset, read before the consumer closes (close
   * would commit too), shows whether auto-commit alone moved past the dropped tail.
   */
  static Map<String, Object> filteredTail() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String topic = System.getProperty("compat.tail.topic");
    String group = System.getProperty("compat.tail.group");
    long end = Long.parseLong(System.getProperty("compat.tail.end"));
    TopicPartition tp = new TopicPartition(topic, 0);
    Properties props = consumerProps(group);
    props.put("enable.auto.commit", "true");
    props.put("auto.commit.interval.ms", "500");
    List<Long> delivered = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline
          && (consumer.assignment().isEmpty() || consumer.position(tp) < end)) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          delivered.add(rec.offset());
        }
      }
      r.put("position", consumer.position(tp));
      long settle = System.currentTimeMillis() + 1_500;
      while (System.currentTimeMillis() < settle) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          delivered.add(rec.offset());
        }
      }
      try (Admin admin = Admin.create(common("compat-java-tail-admin"))) {
        OffsetAndMetadata committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
        r.put("committed", committed == null ? -1 : committed.offset());
      }
    }
    r.put("delivered", delivered);
    return r;
  }

  /**
   * A group reads compat.read.count records of compat.read.topic from the beginning: each value
   * as text and the names of its headers (what an encrypt policy leaves a reader allowed to
   * decrypt, or not).
   */
  static Map<String, Object> read() throws Exception {
    String topic = System.getProperty("compat.read.topic");
    String group = System.getProperty("compat.read.group");
    int count = Integer.parseInt(System.getProperty("compat.read.count"));
    List<Map<String, Object>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(group))) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline && records.size() < count) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("value", rec.value());
          List<String> headers = new ArrayList<>();
          rec.headers().forEach((h) -> headers.add(h.key()));
          one.put("headers", headers);
          records.add(one);
        }
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("records", records);
    return r;
  }

  /** The topics and groups the tenant can list, and the cluster it is shown. */
  static Map<String, Object> tenantList() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    try (Admin admin = Admin.create(common("compat-java-tenant-admin"))) {
      List<String> topics = new ArrayList<>(admin.listTopics().names().get());
      topics.sort(null);
      r.put("topics", topics);
      List<String> groups = new ArrayList<>();
      for (var listing : admin.listGroups().all().get()) groups.add(listing.groupId());
      groups.sort(null);
      r.put("groups", groups);
      DescribeClusterResult cluster = admin.describeCluster();
      r.put("clusterId", cluster.clusterId().get());
      r.put("nodes", nodes(cluster.nodes().get()));
    }
    return r;
  }

  /**
   * What a principal the ACLs refuse is told, and after how long: a producer sending to each of
   * the topics, a consumer in the group, a transactional producer with the transactional id. A
   * client that is told nothing waits out its 10 s timeouts instead.
   */
  static Map<String, Object> refusals() throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    Properties limits = new Properties();
    limits.put("max.block.ms", "10000");
    limits.put("delivery.timeout.ms", "10000");
    limits.put("request.timeout.ms", "5000");
    String allowedTopic = System.getProperty("compat.refusals.allowedTopic");
    Properties p = producerProps("compat-java-refused-producer");
    p.putAll(limits);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      // Connected and warmed up first, so the times below are the refusals' own.
      producer.send(new ProducerRecord<>(allowedTopic, "k", "v")).get();
      for (String topic : System.getProperty("compat.refusals.topics").split(",")) {
        long start = System.nanoTime();
        try {
          producer.send(new ProducerRecord<>(topic, "k", "v")).get();
          r.put(topic, outcome(null, start));
        } catch (Exception e) {
          r.put(topic, outcome(e, start));
        }
      }
    }
    String group = System.getProperty("compat.refusals.group");
    long start = System.nanoTime();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(group))) {
      consumer.subscribe(List.of(allowedTopic));
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(200));
      r.put("group", outcome(null, start));
    } catch (Exception e) {
      r.put("group", outcome(e, start));
    }
    Properties txn = producerProps("compat-java-refused-txn");
    txn.putAll(limits);
    txn.put("transactional.id", System.getProperty("compat.refusals.txn"));
    start = System.nanoTime();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(txn)) {
      producer.initTransactions();
      r.put("txn", outcome(null, start));
    } catch (Exception e) {
      r.put("txn", outcome(e, start));
    }
    return r;
  }

  /** The exception (unwrapped from the future's) by its class name, and the time it took. */
  static Map<String, Object> outcome(Exception e, long start) {
    Map<String, Object> o = new LinkedHashMap<>();
    Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
    o.put("error", cause == null ? null : cause.getClass().getSimpleName());
    o.put("message", cause == null ? null : cause.getMessage());
    o.put("ms", (System.nanoTime() - start) / 1_000_000);
    return o;
  }

  /** Keys of every record up to the end offsets the isolation level allows, sorted. */
  static List<String> readAll(String topic, int partitions, String isolation) {
    Properties p = consumerProps(null);
    p.put("isolation.level", isolation);
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = topicPartitions(topic, partitions);
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline && !reached(consumer, end)) {
        for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(200))) {
          keys.add(rec.key());
        }
      }
    }
    keys.sort(null);
    return keys;
  }

  static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }

  // --- helpers ---------------------------------------------------------------------------------

  static Properties common(String clientId) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", clientId);
    p.putAll(extra);
    return p;
  }

  static Properties producerProps(String clientId) {
    Properties p = common(clientId);
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    return p;
  }

  static Properties consumerProps(String group) {
    Properties p = common("compat-java-consumer");
    if (group != null) p.put("group.id", group);
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    return p;
  }

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static String value(String compression, int i) {
    // Repetitive, so every codec shrinks it.
    return ("value " + i + " compressed with " + compression + ". ").repeat(8);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String header(ConsumerRecord<String, String> rec, String key) {
    Header h = rec.headers().lastHeader(key);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  static List<TopicPartition> topicPartitions(String topic, int count) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < count; i++) tps.add(new TopicPartition(topic, i));
    return tps;
  }

  static String createTopic(String prefix, int partitions) throws Exception {
    String topic = name(prefix);
    try (Admin admin = Admin.create(common("compat-java-setup"))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      describeWithLeaders(admin, topic);
    }
    return topic;
  }

  static void deleteTopic(String topic) throws Exception {
    try (Admin admin = Admin.create(common("compat-java-setup"))) {
      admin.deleteTopics(List.of(topic)).all().get();
    }
  }

  /** The topic's description once every partition has a leader. */
  static TopicDescription describeWithLeaders(Admin admin, String topic) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        boolean led = d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        if (led || System.currentTimeMillis() > deadline) return d;
      } catch (java.util.concurrent.ExecutionException e) {
        if (System.currentTimeMillis() > deadline) throw e;
      }
      Thread.sleep(100);
    }
  }

  /** Whether the topic is still listed once deletion had 10 s to show. */
  static boolean waitUntilGone(Admin admin, String topic) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (admin.listTopics().names().get().contains(topic)) {
      if (System.currentTimeMillis() > deadline) return true;
      Thread.sleep(100);
    }
    return false;
  }

  static List<Object> partitions(List<TopicPartitionInfo> infos) {
    List<Object> out = new ArrayList<>();
    for (TopicPartitionInfo info : infos) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("partition", info.partition());
      m.put("leader", node(info.leader()));
      m.put("replicas", nodes(info.replicas()));
      out.add(m);
    }
    return out;
  }

  static List<Object> nodes(Collection<Node> nodes) {
    List<Object> out = new ArrayList<>();
    for (Node n : nodes) out.add(node(n));
    return out;
  }

  static Map<String, Object> node(Node n) {
    if (n == null) return null;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("host", n.host());
    m.put("port", n.port());
    return m;
  }

  static final Pattern CONNECTING =
      Pattern.compile("Initiating connection to node (.+?):(\\d+) \\(id: (-?\\d+).*? using address (\\S+)");

  /** Every address a connection was opened to, and the warnings the clients logged. */
  static void readLog(Path log, Map<String, Object> out) throws Exception {
    Map<String, Map<String, Object>> connections = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      Matcher m = CONNECTING.matcher(line);
      if (m.find()) {
        String key = m.group(1) + ":" + m.group(2) + "/" + m.group(3);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("host", m.group(1));
        c.put("port", Integer.parseInt(m.group(2)));
        c.put("nodeId", Integer.parseInt(m.group(3)));
        c.put("address", m.group(4));
        connections.putIfAbsent(key, c);
      } else if ((line.contains(" WARN ") || line.contains(" ERROR ")) && warnings.size() < 50) {
        warnings.add(line);
      }
    }
    out.put("connections", new ArrayList<>(connections.values()));
    out.put("warnings", warnings);
  }

  /** Just enough JSON for maps, lists, strings, numbers, booleans and null. */
  static final class Json {
    static String write(Object value) {
      StringBuilder sb = new StringBuilder();
      write(value, sb);
      return sb.toString();
    }

    static void write(Object value, StringBuilder sb) {
      if (value == null) {
        sb.append("null");
      } else if (value instanceof Map<?, ?> map) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!first) sb.append(',');
          first = false;
          string(String.valueOf(e.getKey()), sb);
          sb.append(':');
          write(e.getValue(), sb);
        }
        sb.append('}');
      } else if (value instanceof Collection<?> list) {
        sb.append('[');
        boolean first = true;
        for (Object item : list) {
          if (!first) sb.append(',');
          first = false;
          write(item, sb);
        }
        sb.append(']');
      } else if (value instanceof Number || value instanceof Boolean) {
        sb.append(value);
      } else {
        string(value.toString(), sb);
      }
    }

    static void string(String s, StringBuilder sb) {
      sb.append('"');
      for (char c : s.toCharArray()) {
        if (c == '"' || c == '\\') sb.append('\\').append(c);
        else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
        else sb.append(c);
      }
      sb.append('"');
    }
  }
}
