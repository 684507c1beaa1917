package dev.berth.net;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget.ConstructorCallTarget;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
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

  /** Every Jackson mapper comes from {@code api.ApiJson}: one place says how the API reads JSON. */
  @Test
  void everyMapperComesFromApiJson() {
    noClasses()
        .that()
        .doNotHaveFullyQualifiedName("dev.berth.net.api.ApiJson")
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
