package dev.berth.cli;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget.ConstructorCallTarget;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.berth.agent.server.MachineAgent;
import dev.berth.agent.server.MachineAgents;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The CLI parses and renders: no package cycle in it, and of the agent it starts only the entry
 * (built by MachineAgents, run).
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth.cli");

  @Test
  void noPackageCycles() {
    slices().matching("dev.berth.cli.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void theAgentsInsidesAreNotTheCli() {
    noClasses()
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.berth.agent.server..")
                .and(
                    DescribedPredicate.not(belongToAnyOf(MachineAgents.class, MachineAgent.class))))
        .check(CLASSES);
  }

  /** The CLI renders with berth-core's {@code dev.berth.Json} mappers and makes none of its own. */
  @Test
  void theCliMakesNoMapper() {
    noClasses()
        .should()
        .callCodeUnitWhere(
            DescribedPredicate.describe(
                "a Jackson mapper's constructor, builder or copy",
                (JavaCall<?> call) ->
                    call.getTargetOwner().isAssignableTo(ObjectMapper.class)
                        && (call.getTarget() instanceof ConstructorCallTarget
                            || Set.of("builder", "copy", "rebuild").contains(call.getName()))))
        .check(CLASSES);
  }
}
