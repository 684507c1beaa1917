package dev.berth;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** berth-core's packages: no cycle among them, the agent's two sides apart, nothing of the CLI. */
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
}
