#!/usr/bin/env bash
# Fetches the Apache Kafka broker (KRaft mode) jars from Maven Central for the cluster topology test
# (packages/skein/test/cluster). Cached: a second run with the same version does nothing.
# Prints the directory holding the jars (the classpath is "$dir/*").
set -euo pipefail
version="${SKEIN_KAFKA_VERSION:-4.1.1}"
cache="${SKEIN_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skein/kafka-$version}"
if [ -f "$cache/.complete" ]; then
  echo "$cache"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>skein.ci</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
mkdir -p "$cache"
mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache" >&2
touch "$cache/.complete"
echo "$cache"
