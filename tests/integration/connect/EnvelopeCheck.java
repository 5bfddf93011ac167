import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Reads JsonConverter record values (one per line: "topic<TAB>json") from stdin, converts each
 * with Kafka Connect's own JsonConverter (schemas.enable=true) and validates the Struct against
 * its schema; prints one line per record: the schema name, then field=type:value pairs.
 * Any record Connect would reject ends the program with an exception (non-zero exit).
 */
public class EnvelopeCheck {
    public static void main(String[] args) throws Exception {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", 2);
            SchemaAndValue got = converter.toConnectData(parts[0], parts[1].getBytes(StandardCharsets.UTF_8));
            Struct struct = (Struct) got.value();
            struct.validate();
            StringBuilder out = new StringBuilder(got.schema().name());
            for (Field f : got.schema().fields()) {
                Object v = struct.get(f);
                out.append(' ').append(f.name()).append('=').append(f.schema().type())
                   .append(f.schema().name() == null ? "" : "/" + f.schema().name())
                   .append(':').append(v == null ? "null" : v.getClass().getSimpleName() + "(" + v + ")");
            }
            System.out.println(out);
        }
    }
}
