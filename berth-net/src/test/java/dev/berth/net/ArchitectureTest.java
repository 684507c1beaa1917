package dev.berth.net;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** berth-net's packages form layers: no package cycle, and only the entry point sits on top. */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.berth.net");

  @Test
  void noPackageCycles() {
    slices().matching("dev.berth.net.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void onlyTheEntryPointUsesTheRootPackage() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.berth.net")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.berth.net")
        .check(CLASSES);
  }

  @Test
  void berthNetStandsAlone() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.berth.cli..", "dev.berth.machine..", "dev.berth.agent..", "dev.berth.qemu..")
        .check(CLASSES);
  }
}
