package dev.titan.discovery.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormattingTest {

  @Test
  void tablesAlignColumnsWithoutTrailingBlanks() {
    StringWriter sw = new StringWriter();
    Output out = new Output(new PrintWriter(sw), new PrintWriter(new StringWriter()), Output.Format.table, false);
    out.table(new Output.Table("ID", "STATUS").row(List.of("node-1", "UP")).row(List.of("n2", "DRAINING")));
    assertThat(sw.toString().lines()).containsExactly("ID      STATUS", "node-1  UP", "n2      DRAINING");
  }

  @Test
  void coloursOnlyWhenAsked() {
    Output plain = new Output(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Output.Format.table, false);
    Output color = new Output(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), Output.Format.table, true);
    assertThat(plain.style(Output.Style.RED, "x")).isEqualTo("x");
    assertThat(color.style(Output.Style.RED, "x")).isEqualTo("\u001b[31mx\u001b[0m");
  }

  @Test
  void durationsParseAndPrint() {
    assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(Durations.parse("PT1H")).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration");
    assertThat(Durations.human(850)).isEqualTo("850ms");
    assertThat(Durations.human(12_345)).isEqualTo("12.3s");
    assertThat(Durations.human(245_000)).isEqualTo("4m05s");
    assertThat(Durations.human(-2)).isEqualTo("-");
  }

  @Test
  void servicesCountInstancesPerStatus() {
    List<NodeInfo> nodes = List.of(
        new NodeInfo("a", "h:1", List.of(ServiceInfo.of("orders", "1.0.0"), ServiceInfo.of("orders", "2.0.0")), 1),
        new NodeInfo("b", "h:2", List.of(ServiceInfo.of("orders", "2.0.0")), 1, NodeStatus.DRAINING, Map.of()),
        new NodeInfo("c", "h:3", List.of(ServiceInfo.of("billing")), 1, NodeStatus.OUT_OF_SERVICE, Map.of()));
    Map<String, ServicesCommand.Summary> s = ServicesCommand.summarize(nodes);
    assertThat(s.get("orders").instances).isEqualTo(2);
    assertThat(s.get("orders").versions).containsExactly("1.0.0", "2.0.0");
    assertThat(s.get("orders").noUp()).isFalse();
    assertThat(s.get("billing").noUp()).isTrue();
    assertThat(s.get("billing").versions).containsExactly("-");
  }

  @Test
  void scanPatternEscapesGlobCharacters() {
    assertThat(new RegistryKeys("titan:discovery").scanPattern()).isEqualTo("titan:discovery:*");
    assertThat(new RegistryKeys("a*b?[c]").scanPattern()).isEqualTo("a\\*b\\?\\[c\\]:*");
    assertThat(RegistryKeys.effectivePrefix("titan:discovery", true)).isEqualTo("{titan:discovery}");
    assertThat(RegistryKeys.effectivePrefix("{titan}:discovery", true)).isEqualTo("{titan}:discovery");
    assertThat(RegistryKeys.effectivePrefix("titan:discovery", false)).isEqualTo("titan:discovery");
  }

  @Test
  void writerIsTypeScriptForForeignOrUnindexedNodes() {
    assertThat(new NodeFacts(1000, 5.0, false, true).writer()).isEqualTo("Java");
    assertThat(new NodeFacts(1000, null, false, true).writer()).isEqualTo("TypeScript");
    assertThat(new NodeFacts(1000, 5.0, true, true).writer()).isEqualTo("TypeScript");
  }
}
