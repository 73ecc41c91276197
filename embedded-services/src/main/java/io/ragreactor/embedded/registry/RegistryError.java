package io.ragreactor.embedded.registry;

/** Why a registry request failed, with the HTTP status and Confluent {@code error_code} of the response. */
enum RegistryError {
    /** The request body is not valid JSON. */
    MALFORMED_REQUEST(400, 400),
    /** No endpoint has this path. */
    NOT_FOUND(404, 404),
    /** The subject has never been registered. */
    SUBJECT_NOT_FOUND(404, 40401),
    /** The subject exists but has no such version. */
    VERSION_NOT_FOUND(404, 40402),
    /** No schema has this id, or the schema is not registered under the subject. */
    SCHEMA_NOT_FOUND(404, 40403),
    /** The endpoint exists but not for this HTTP method. */
    METHOD_NOT_ALLOWED(405, 405),
    /** The schema cannot read data written with the subject's latest schema (BACKWARD compatibility). */
    INCOMPATIBLE_SCHEMA(409, 409),
    /** The schema is missing, is not a valid Avro schema, or uses a feature this registry does not support. */
    INVALID_SCHEMA(422, 42201),
    /** The version is neither a positive integer nor {@code latest}. */
    INVALID_VERSION(422, 42202),
    /** The broker did not acknowledge the write of a new registration. */
    STORE_ERROR(500, 50001),
    /** An unexpected failure inside the registry. */
    INTERNAL_ERROR(500, 500);

    private final int httpStatus;
    private final int errorCode;

    RegistryError(final int httpStatus, final int errorCode) {
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    int httpStatus() {
        return httpStatus;
    }

    int errorCode() {
        return errorCode;
    }
}
