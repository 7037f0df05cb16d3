"""Ask TF Serving for generated images (REST or gRPC) and write them as a PNG grid.

    python serving/client.py --n 16 --out samples.png                  # REST, seeds → images
    python serving/client.py --protocol grpc --n 16 --out samples.png  # gRPC on port 8500
    python serving/client.py --signature serving_default --latent-dim 64 --format inputs \\
        --n 16 --out samples.png                                       # send z yourself
    python serving/client.py --model translator --signature translate_a2b_uint8 \\
        --images edges/ --out translated.png                           # a translator
    python serving/client.py --model voices --signature convert_m3_to_m6 \\
        --wav my_recording.wav --out converted.wav                     # voice conversion

``sample_from_seeds`` (the default) takes int64 seeds and draws z on the server, so a seed
always names the same image; ``serving_default`` takes z ``[n, latent_dim]`` (drawn here
from N(0, I) with numpy). A translator's ``translate_<d>`` / ``translate_<d>_uint8``
signatures take the image files ``--images`` names (a file or a directory, all of one shape:
the translator's; the server names the shape it takes otherwise), sent as floats in
[−1, 1] or as uint8 pixels; the grid shows the inputs above their translations. A voice
conversion model's ``convert_<s>_to_<t>`` signature takes a WAV file (``--wav``): it is
analysed here (the library's one analysis), its mel-cepstrum and F0 sent, and the converted
ones synthesised with the source's aperiodicity into the WAV ``--out``
(``tfgan_suite.export.speech``).

A request the server refuses — more rows than the export's ``max_batch``, NaN in z, an
image of the wrong shape — ends the client with one line on stderr,
``client: error: the server refused the request: <its reason>``.

Request bodies and response parsing are defined once, in ``tfgan_suite.export.serving``.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from tfgan_suite.export import serving as protocol

PROTOCOLS = ("rest", "grpc")
BODY_FORMATS = ("instances", "inputs")


class RequestRefused(RuntimeError):
    """The server refused a request (REST 400, gRPC INVALID_ARGUMENT); the message is its
    reason in one line (``protocol.refusal_reason``)."""


def rest_url(host: str, port: int, model_name: str, version: Optional[int] = None) -> str:
    """``http://host:port/v1/models/<name>[/versions/<v>]:predict``."""
    path = f"/v1/models/{model_name}" + (f"/versions/{version}" if version else "")
    return f"http://{host}:{port}{path}:predict"


def rest_predict(url: str, body: Mapping[str, Any], timeout: float = 60.0) -> dict:
    """POST a JSON ``body`` to a ``:predict`` URL; the decoded JSON response."""
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:  # TF Serving explains failures in the body
        detail = error.read().decode("utf-8", "replace")
        if error.code == 400:  # {"error": why the request cannot run}
            raise RequestRefused(protocol.refusal_reason(_error_field(detail))) from None
        raise RuntimeError(f"{url}: HTTP {error.code}: {detail}") from None


def _error_field(body: str) -> str:
    """The ``error`` of TF Serving's JSON error body (the body itself if it has none)."""
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return body


def grpc_predict(target: str, request, timeout: float = 60.0) -> dict[str, np.ndarray]:
    """Send a ``PredictRequest`` to ``host:port``; its outputs as numpy arrays."""
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        try:
            response = stub.Predict(request, timeout=timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                raise RequestRefused(protocol.refusal_reason(error.details())) from None
            raise
    return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}


def request_images(values: Any, signature_name: str = "sample_from_seeds",
                   transport: str = "rest", body_format: str = "instances",
                   host: str = "localhost", rest_port: int = 8501, grpc_port: int = 8500,
                   model_name: str = "generator", output: str = "images",
                   timeout: float = 60.0, labels: Any = None) -> np.ndarray:
    """One ``:predict`` round trip: seeds or z (and, for conditional generators, labels)
    in, ``output`` (images) out."""
    if transport == "rest":
        if body_format not in BODY_FORMATS:
            raise ValueError(f"--format: unknown value {body_format!r}; accepted: "
                             f"{', '.join(BODY_FORMATS)}")
        build = (protocol.rest_instances_body if body_format == "instances"
                 else protocol.rest_inputs_body)
        response = rest_predict(rest_url(host, rest_port, model_name),
                                build(signature_name, values, labels), timeout)
        return protocol.parse_rest_response(response, output)
    if transport == "grpc":
        request = protocol.predict_request(model_name, signature_name, values, labels)
        return grpc_predict(f"{host}:{grpc_port}", request, timeout)[output]
    raise ValueError(f"--protocol: unknown value {transport!r}; accepted: "
                     f"{', '.join(PROTOCOLS)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="number of images")
    parser.add_argument("--seed", type=int, default=0,
                        help="first seed (seeds are seed .. seed+n-1), or numpy seed of z")
    parser.add_argument("--out", default="served_samples.png", help="PNG grid to write")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="rest")
    parser.add_argument("--format", choices=BODY_FORMATS, default="instances",
                        help="REST body: row (instances) or columnar (inputs)")
    parser.add_argument("--signature", default="sample_from_seeds",
                        help=f"one of {', '.join(sorted(protocol.SIGNATURE_INPUTS))}, or a "
                             "voice conversion model's convert_<source>_to_<target>")
    parser.add_argument("--labels",
                        help="conditional generators: one class for every image, or n "
                             "comma-separated classes")
    parser.add_argument("--latent-dim", type=int,
                        help="size of z (required with --signature serving_default)")
    parser.add_argument("--images", metavar="DIR|IMAGE",
                        help="translate_* signatures: the image files to translate")
    parser.add_argument("--wav", metavar="WAV",
                        help="convert_* signatures: the speech file to convert (--out: the "
                             "converted WAV)")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--rest-port", type=int, default=8501)
    parser.add_argument("--grpc-port", type=int, default=8500)
    parser.add_argument("--model", default="generator", help="served model name")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except RequestRefused as refusal:
        raise SystemExit(f"client: error: the server refused the request: {refusal}") from None


def _run(args) -> int:
    """One request of the kind ``--signature`` names (module docstring)."""
    if args.signature.startswith("convert_"):
        return _convert(args)
    if args.wav is not None:
        raise SystemExit("client: error: --wav: applies to the convert_* signatures only, "
                         f"got --signature {args.signature}")
    if args.signature not in protocol.SIGNATURE_INPUTS:
        raise SystemExit(f"client: error: --signature: unknown value {args.signature!r}; "
                         f"accepted: {', '.join(sorted(protocol.SIGNATURE_INPUTS))}, "
                         "convert_<source>_to_<target>")
    if args.signature.startswith("translate_"):
        return _translate(args)
    if args.images is not None:
        raise SystemExit("client: error: --images: applies to the translate_* signatures "
                         f"only, got --signature {args.signature}")
    if args.n < 1:
        raise SystemExit(f"client: error: --n: must be a positive integer, got {args.n}")
    if args.signature == "sample_from_seeds":
        values = np.arange(args.seed, args.seed + args.n, dtype=np.int64)
    elif not args.latent_dim:
        raise SystemExit("client: error: --latent-dim: required with --signature "
                         "serving_default (the generator's z size)")
    else:
        values = np.random.default_rng(args.seed).standard_normal(
            [args.n, args.latent_dim]).astype(np.float32)
    labels = None
    if args.labels is not None:
        try:
            labels = [int(value) for value in args.labels.split(",")]
        except ValueError:
            raise SystemExit(f"client: error: --labels: expected integers, got "
                             f"{args.labels!r}") from None
        if len(labels) not in (1, args.n):
            raise SystemExit(f"client: error: --labels: got {len(labels)} labels for --n "
                             f"{args.n}; pass one class or {args.n}")
        labels = np.resize(np.asarray(labels, np.int32), args.n)
    images = request_images(values, args.signature, args.protocol, args.format, args.host,
                            args.rest_port, args.grpc_port, args.model, labels=labels)
    from tfgan_suite.viz import save_image_grid

    path = save_image_grid(images, args.out)
    print(f"wrote {len(images)} images {list(images.shape[1:])} from {args.model} "
          f"({args.protocol}, {args.signature}) to {path}")
    return 0


def _translate(args) -> int:
    """A translator's round trip: image files in, their translations out (module
    docstring)."""
    from tfgan_suite import runs
    from tfgan_suite.viz import save_image_grid

    if args.images is None:
        raise SystemExit(f"client: error: --images: required with --signature "
                         f"{args.signature} (a directory or an image file)")
    try:
        _, images = runs.read_images(args.images, field="--images")
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"client: error: {error}") from None
    values = (np.rint((images + 1.0) * 127.5).astype(np.uint8)
              if args.signature.endswith("_uint8") else images)
    outputs = request_images(values, args.signature, args.protocol, args.format, args.host,
                             args.rest_port, args.grpc_port, args.model)
    path = save_image_grid(np.concatenate([images, outputs]), args.out,
                           columns=len(images))
    print(f"wrote {len(images)} translations {list(outputs.shape[1:])} from {args.model} "
          f"({args.protocol}, {args.signature}) to {path}")
    return 0


def request_conversion(mcep: np.ndarray, f0: np.ndarray, signature: str,
                       transport: str = "rest", host: str = "localhost", rest_port: int = 8501,
                       grpc_port: int = 8500, model_name: str = "generator",
                       timeout: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """One utterance's round trip through a ``convert_<s>_to_<t>`` signature: (mcep, f0)."""
    from tfgan_suite.export import speech

    if transport == "rest":
        response = rest_predict(rest_url(host, rest_port, model_name),
                                speech.rest_body(signature, mcep, f0), timeout)
        return speech.parse_rest_response(response)
    if transport == "grpc":
        outputs = grpc_predict(f"{host}:{grpc_port}",
                               speech.conversion_request(model_name, signature, mcep, f0),
                               timeout)
        return outputs["mcep"][0], outputs["f0"][0]
    raise ValueError(f"--protocol: unknown value {transport!r}; accepted: "
                     f"{', '.join(PROTOCOLS)}")


def _convert(args) -> int:
    """A voice conversion round trip: a WAV in, the converted WAV out (module docstring)."""
    from tfgan_suite.audio import analysis as speech_analysis
    from tfgan_suite.audio import io as audio_io

    if args.wav is None:
        raise SystemExit(f"client: error: --wav: required with --signature {args.signature} "
                         "(the speech file to convert)")
    if not args.out.lower().endswith(".wav"):
        raise SystemExit(f"client: error: --out: a convert_* signature writes a .wav file, "
                         f"got {args.out!r}")
    try:
        wave = audio_io.check_speech(audio_io.read_wav(args.wav), name=args.wav)
    except (ValueError, FileNotFoundError) as error:
        raise SystemExit(f"client: error: --wav: {error}") from None
    analysis = speech_analysis.analyse(wave, audio_io.SAMPLE_RATE)
    mcep, f0 = request_conversion(analysis.mcep, analysis.f0, args.signature, args.protocol,
                                  args.host, args.rest_port, args.grpc_port, args.model)
    converted = speech_analysis.synthesise(np.asarray(f0, np.float64),
                                           np.asarray(mcep, np.float64), analysis.ap,
                                           analysis.sample_rate, analysis.alpha,
                                           analysis.frame_period)
    audio_io.write_wav(args.out, converted)
    print(f"wrote {args.out} ({len(converted) / audio_io.SAMPLE_RATE:.2f} s) from "
          f"{args.model} ({args.protocol}, {args.signature})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
