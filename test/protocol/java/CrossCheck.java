// Reads messages encoded by Weir's codec with Kafka's own generated message classes and writes
// them back. Input lines: `<name> <version> <hex>` (name as in the spec: ProduceRequest,
// RequestHeader, ...). Output lines: the hex Kafka writes back, or `ERROR <reason>`.
// `RecordBatches 2 <hex>` reads record batches instead, checking each CRC, and prints what Kafka
// sees in them (see describe()).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

public class CrossCheck {
  public static void main(String[] args) throws Exception {
    HexFormat hex = HexFormat.of();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    StringBuilder out = new StringBuilder();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] parts = line.split(" ", -1);
      try {
        if (parts[0].equals("RecordBatches")) {
          out.append(describe(hex.parseHex(parts[2]))).append('\n');
          continue;
        }
        Message message = create(parts[0]);
        short version = Short.parseShort(parts[1]);
        ByteBuffer input = ByteBuffer.wrap(hex.parseHex(parts[2]));
        message.read(new ByteBufferAccessor(input), version);
        if (input.hasRemaining()) throw new IllegalStateException(input.remaining() + " bytes left");
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer output = ByteBuffer.allocate(message.size(cache, version));
        message.write(new ByteBufferAccessor(output), cache, version);
        out.append(hex.formatHex(output.array())).append('\n');
      } catch (Exception e) {
        out.append("ERROR ").append(String.valueOf(e).replace('\n', ' ')).append('\n');
      }
    }
    System.out.print(out);
  }

  static String hexOrNull(ByteBuffer buffer) {
    if (buffer == null) return "null";
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Batches as `[baseOffset producerId/epoch/sequence flags: records]`, records as
   * `offset@timestamp key=value {header=value}`. */
  static String describe(byte[] data) {
    StringBuilder out = new StringBuilder();
    for (RecordBatch batch : MemoryRecords.readableRecords(ByteBuffer.wrap(data)).batches()) {
      batch.ensureValid();
      out.append('[').append(batch.baseOffset()).append(' ')
          .append(batch.producerId()).append('/').append(batch.producerEpoch()).append('/')
          .append(batch.baseSequence()).append(' ')
          .append(batch.compressionType().name).append(batch.isTransactional() ? " txn" : "")
          .append(':');
      for (Record record : batch) {
        out.append(' ').append(record.offset()).append('@').append(record.timestamp()).append(' ')
            .append(hexOrNull(record.key())).append('=').append(hexOrNull(record.value()));
        out.append(" {");
        for (Header header : record.headers()) {
          out.append(header.key()).append('=')
              .append(header.value() == null ? "null" : HexFormat.of().formatHex(header.value()))
              .append(';');
        }
        out.append('}');
      }
      out.append(']');
    }
    return out.toString();
  }

  static Message create(String name) {
    if (name.equals("RequestHeader")) return new RequestHeaderData();
    if (name.equals("ResponseHeader")) return new ResponseHeaderData();
    for (ApiMessageType type : ApiMessageType.values()) {
      String api = type.name().replace("_", "");
      String base = name.replaceFirst("(Request|Response)$", "");
      if (api.equalsIgnoreCase(base)) {
        ApiMessage message = name.endsWith("Request") ? type.newRequest() : type.newResponse();
        return message;
      }
    }
    throw new IllegalArgumentException("unknown message " + name);
  }
}
