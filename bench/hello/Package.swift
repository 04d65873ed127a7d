// swift-tools-version:5.9
// The start-up reference for `fido --version`: a Swift hello world built the
// way fido is (release, --static-swift-stdlib). bench/run.sh builds it.
import PackageDescription

let package = Package(name: "hello", targets: [.executableTarget(name: "hello")])
