package dev.berth;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget.ConstructorCallTarget;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * berth-core's packages: no cycle among them, the agent's two sides apart, nothing of the CLI, and
 * every Jackson mapper from {@link Json}.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth")
          .that(
              com.tngtech.archunit.base.DescribedPredicate.not(
                  com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage(
                      "dev.berth.net..")));

  @Test
  void noPackageCycles() {
    slices().matching("dev.berth.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void theAgentsClientAndServerMeetOnlyInTheProtocol() {
    noClasses()
        .that()
        .resideInAPackage("dev.berth.agent.client..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.berth.agent.server..")
        .check(CLASSES);
    noClasses()
        .that()
        .resideInAPackage("dev.berth.agent.server..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.berth.agent.client..")
        .check(CLASSES);
  }

  @Test
  void coreKnowsNothingOfTheCli() {
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.berth.cli..").check(CLASSES);
  }

  /** Making a mapper: a constructor, or a builder or copy to configure one's own. */
  static final DescribedPredicate<JavaCall<?>> BUILDS_A_MAPPER =
      DescribedPredicate.describe(
          "a Jackson mapper's constructor, builder or copy",
          call ->
              call.getTargetOwner().isAssignableTo(ObjectMapper.class)
                  && (call.getTarget() instanceof ConstructorCallTarget
                      || Set.of("builder", "copy", "rebuild").contains(call.getName())));

  private static final ArchRule MAPPERS_COME_FROM_JSON =
      noClasses()
          .that()
          .doNotBelongToAnyOf(Json.class)
          .should()
          .callCodeUnitWhere(BUILDS_A_MAPPER)
          .because("one place says how Berth reads and writes JSON (use Json's mappers)");

  @Test
  void everyMapperComesFromJson() {
    MAPPERS_COME_FROM_JSON.check(CLASSES);
  }

  @Test
  void theMapperRuleCatchesAClassThatBuildsItsOwn() {
    JavaClasses offenders =
        new ClassFileImporter().importClasses(OwnMapper.class, OwnJsonMapper.class);
    assertThatThrownBy(() -> MAPPERS_COME_FROM_JSON.check(offenders))
        .hasMessageContaining(OwnMapper.class.getName())
        .hasMessageContaining(OwnJsonMapper.class.getName());
  }

  private static final class OwnMapper {
    final ObjectMapper mapper = new ObjectMapper();
  }

  private static final class OwnJsonMapper {
    final ObjectMapper mapper = JsonMapper.builder().build();
  }
}
