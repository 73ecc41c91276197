package io.ragreactor.local.seed;

import java.io.IOException;

/** Reads a file that the seed names, such as a pod document or a container log, by its plain file name. */
@FunctionalInterface
interface SeedFiles {

    String read(String name) throws IOException;
}
