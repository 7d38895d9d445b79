plugins {
    application
    id("com.diffplug.spotless") version "6.23.3"
    alias(libs.plugins.versions)
}

repositories {
    mavenCentral()
}

dependencyLocking {
    lockAllConfigurations()
}

dependencies {
    implementation(libs.guava)
    implementation("org.slf4j:slf4j-api:2.0.9")
    runtimeOnly(group = "ch.qos.logback", name = "logback-classic", version = "1.4.14")
    compileOnly(libs.lombok)
    annotationProcessor(libs.lombok)
    // implementation("com.google.j2objc:j2objc-annotations:2.8")
    /* implementation("org.opentest4j:opentest4j:1.3.0") */
    testImplementation(platform("org.junit:junit-bom:5.10.1"))
    testImplementation("org.junit.jupiter:junit-jupiter")
    constraints {
        implementation("com.google.code.findbugs:jsr305:3.0.2") {
            because("a version every module agrees on")
        }
    }
}

configurations.all {
    resolutionStrategy.force("org.checkerframework:checker-qual:3.41.0")
}

application {
    mainClass = "com.example.app.Main"
}
