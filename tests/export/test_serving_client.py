"""serving/: request bodies in TF Serving's formats, response parsing, gRPC requests, configs.

The transport is exercised against in-process stand-ins that answer like TF Serving from
the exported SavedModel (REST over http.server, gRPC over a grpc server implementing
PredictionService); the real ``tensorflow_model_server`` runs only when it is on PATH.
"""

import concurrent.futures
import http.server
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

import keras
import numpy as np
import tensorflow as tf
import yaml

from tfgan_suite.export import export_saved_model
from tfgan_suite.export import serving as protocol
from tfgan_suite.networks.dcgan import DCGANGenerator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVING = os.path.join(ROOT, "serving")
LATENT_DIM = 8


def load_client():
    spec = importlib.util.spec_from_file_location("serving_client",
                                                  os.path.join(SERVING, "client.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


client = load_client()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def export_small_generator(models_dir: str) -> str:
    keras.utils.set_random_seed(0)
    generator = DCGANGenerator(latent_dim=LATENT_DIM, image_size=32, channels=1,
                               base_filters=8)
    return export_saved_model(generator, models_dir)


class RequestFormatTest(tf.test.TestCase):
    def test_rest_row_body_is_signature_name_and_instances(self):
        body = protocol.rest_instances_body("sample_from_seeds", [4, 5])
        self.assertEqual(body, {"signature_name": "sample_from_seeds", "instances": [4, 5]})
        z = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
        body = protocol.rest_instances_body("serving_default", z)
        self.assertEqual(body, {"signature_name": "serving_default",
                                "instances": [[0.5, -1.0], [2.0, 0.0]]})
        json.dumps(body)  # plain JSON types only

    def test_rest_columnar_body_is_signature_name_and_named_inputs(self):
        body = protocol.rest_inputs_body("serving_default", np.zeros([1, 3], np.float32))
        self.assertEqual(body, {"signature_name": "serving_default",
                                "inputs": {"z": [[0.0, 0.0, 0.0]]}})
        body = protocol.rest_inputs_body("sample_from_seeds", np.array([7], np.int64))
        self.assertEqual(body, {"signature_name": "sample_from_seeds", "inputs": {"seeds": [7]}})

    def test_conditional_bodies_carry_one_label_per_example(self):
        body = protocol.rest_instances_body("sample_from_seeds", [4, 5], labels=[1, 7])
        self.assertEqual(body, {"signature_name": "sample_from_seeds",
                                "instances": [{"seeds": 4, "labels": 1},
                                              {"seeds": 5, "labels": 7}]})
        body = protocol.rest_inputs_body("serving_default", np.zeros([2, 1], np.float32),
                                         labels=3)
        self.assertEqual(body, {"signature_name": "serving_default",
                                "inputs": {"z": [[0.0], [0.0]], "labels": [3, 3]}})
        json.dumps(body)
        request = protocol.predict_request("generator", "sample_from_seeds", [3, 9], [0, 2])
        self.assertEqual(sorted(request.inputs), ["labels", "seeds"])
        self.assertEqual(request.inputs["labels"].dtype, tf.int32.as_datatype_enum)
        self.assertAllEqual(tf.make_ndarray(request.inputs["labels"]), [0, 2])
        with self.assertRaisesRegex(ValueError, "labels: expected one integer class or 2"):
            protocol.rest_inputs_body("sample_from_seeds", [1, 2], labels=[1, 2, 3])

    def test_unknown_signature_is_a_value_error_listing_the_signatures(self):
        with self.assertRaisesRegex(ValueError, "accepted: serving_default, sample_from_seeds"):
            protocol.rest_inputs_body("predict", [1])

    def test_rest_url_follows_the_v1_models_scheme(self):
        self.assertEqual(client.rest_url("localhost", 8501, "generator"),
                         "http://localhost:8501/v1/models/generator:predict")
        self.assertEqual(client.rest_url("h", 1, "g", version=3),
                         "http://h:1/v1/models/g/versions/3:predict")

    def test_response_parser_reads_row_predictions(self):
        rows = {"predictions": [{"images": [[0.5]], "images_uint8": [[191]]},
                                {"images": [[-1.0]], "images_uint8": [[0]]}]}
        self.assertAllEqual(protocol.parse_rest_response(rows), [[[0.5]], [[-1.0]]])
        pixels = protocol.parse_rest_response(rows, "images_uint8")
        self.assertEqual(pixels.dtype, np.uint8)
        self.assertAllEqual(pixels, [[[191]], [[0]]])
        bare = {"predictions": [[0.25], [0.75]]}  # single-output signatures drop the name
        self.assertAllEqual(protocol.parse_rest_response(bare), [[0.25], [0.75]])

    def test_response_parser_reads_columnar_outputs(self):
        columns = {"outputs": {"images": [[0.1], [0.2]], "images_uint8": [[140], [153]]}}
        self.assertAllClose(protocol.parse_rest_response(columns), [[0.1], [0.2]])
        self.assertAllClose(protocol.parse_rest_response({"outputs": [[0.3]]}), [[0.3]])

    def test_response_parser_raises_on_error_bodies_and_unknown_shapes(self):
        with self.assertRaisesRegex(RuntimeError, "Servable not found"):
            protocol.parse_rest_response({"error": "Servable not found for request"})
        with self.assertRaisesRegex(ValueError, "'predictions' or 'outputs'"):
            protocol.parse_rest_response({"result": []})

    def test_grpc_request_names_model_signature_and_typed_tensor(self):
        request = protocol.predict_request("generator", "sample_from_seeds", [3, 9])
        self.assertEqual(request.model_spec.name, "generator")
        self.assertEqual(request.model_spec.signature_name, "sample_from_seeds")
        self.assertEqual(list(request.inputs), ["seeds"])
        tensor = request.inputs["seeds"]
        self.assertEqual(tensor.dtype, tf.int64.as_datatype_enum)
        self.assertEqual([d.size for d in tensor.tensor_shape.dim], [2])
        self.assertAllEqual(tf.make_ndarray(tensor), [3, 9])
        z_request = protocol.predict_request("generator", "serving_default",
                                             np.ones([2, LATENT_DIM]))
        self.assertEqual(z_request.inputs["z"].dtype, tf.float32.as_datatype_enum)
        self.assertEqual([d.size for d in z_request.inputs["z"].tensor_shape.dim],
                         [2, LATENT_DIM])


class ServingConfigTest(tf.test.TestCase):
    def test_models_config_parses_as_model_server_config(self):
        from google.protobuf import text_format
        from tensorflow_serving.config import model_server_config_pb2

        with open(os.path.join(SERVING, "models.config"), encoding="utf-8") as handle:
            config = text_format.Parse(handle.read(), model_server_config_pb2.ModelServerConfig())
        (model,) = config.model_config_list.config
        self.assertEqual((model.name, model.base_path, model.model_platform),
                         ("generator", "/models/generator", "tensorflow"))

    def test_batching_config_sets_the_batching_parameters(self):
        with open(os.path.join(SERVING, "batching.config"), encoding="utf-8") as handle:
            lines = [line for line in handle if line.strip() and not line.startswith("#")]
        fields = dict(line.replace("{", "").replace("}", "").replace("value:", "").split()
                      for line in lines)
        self.assertEqual(set(fields), {"max_batch_size", "batch_timeout_micros",
                                       "max_enqueued_batches", "num_batch_threads"})
        self.assertEqual(int(fields["max_batch_size"]), 64)

    def test_docker_compose_serves_both_ports_with_config_and_batching(self):
        with open(os.path.join(SERVING, "docker-compose.yml"), encoding="utf-8") as handle:
            service = yaml.safe_load(handle)["services"]["generator"]
        self.assertTrue(service["image"].startswith("tensorflow/serving:"))
        self.assertEqual(sorted(service["ports"]), ["8500:8500", "8501:8501"])
        flags = dict(flag.lstrip("-").split("=", 1) for flag in service["command"])
        self.assertEqual(flags["model_config_file"], "/config/models.config")
        self.assertEqual(flags["enable_batching"], "true")
        self.assertEqual(flags["batching_parameters_file"], "/config/batching.config")
        mounts = {volume.rsplit(":", 2)[-2] for volume in service["volumes"]}
        self.assertLessEqual({"/models", "/config/models.config", "/config/batching.config"},
                             mounts)


class _StandInRestHandler(http.server.BaseHTTPRequestHandler):
    """Answers ``:predict`` like TF Serving's REST API, from a loaded SavedModel."""

    signatures = None

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        signature = self.signatures[body.get("signature_name", "serving_default")]
        specs = signature.structured_input_signature[1]
        status = 200
        try:
            if "instances" in body:
                (name, spec), = specs.items()
                outputs = signature(**{name: tf.constant(body["instances"], spec.dtype)})
                reply = {"predictions": [{key: outputs[key][i].numpy().tolist()
                                          for key in outputs}
                                         for i in range(len(body["instances"]))]}
            else:
                outputs = signature(**{name: tf.constant(body["inputs"][name], spec.dtype)
                                       for name, spec in specs.items()})
                reply = {"outputs": {key: value.numpy().tolist()
                                     for key, value in outputs.items()}}
        except tf.errors.InvalidArgumentError as error:  # TF Serving: 400, {"error": ...}
            status, reply = 400, {"error": error.message}
        data = json.dumps(reply).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def start_rest_stand_in(signatures):
    """An http server answering like TF Serving's REST API; (server, port)."""
    handler = type("Handler", (_StandInRestHandler,), {"signatures": signatures})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def start_grpc_stand_in(signatures):
    """A gRPC PredictionService answering from ``signatures``; (server, port). A request the
    signature refuses gets INVALID_ARGUMENT with TensorFlow's message, as from TF Serving."""
    import grpc
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802 (gRPC method name)
            signature = signatures[request.model_spec.signature_name]
            inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
            try:
                outputs = signature(**inputs)
            except tf.errors.InvalidArgumentError as error:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, error.message)
            response = predict_pb2.PredictResponse()
            response.model_spec.CopyFrom(request.model_spec)
            for key, value in outputs.items():
                response.outputs[key].CopyFrom(tf.make_tensor_proto(value.numpy()))
            return response

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=1))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


class ClientTransportTest(tf.test.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = tempfile.mkdtemp()
        cls.signatures = tf.saved_model.load(export_small_generator(cls.workdir)).signatures
        cls.http, cls.rest_port = start_rest_stand_in(cls.signatures)
        cls.grpc_server, cls.grpc_port = start_grpc_stand_in(cls.signatures)
        cls.seeds = np.array([0, 5, 11], np.int64)
        cls.expected = cls.signatures["sample_from_seeds"](seeds=tf.constant(cls.seeds))

    @classmethod
    def tearDownClass(cls):
        cls.http.shutdown()
        cls.grpc_server.stop(None)
        super().tearDownClass()

    def request(self, transport, body_format="instances", output="images"):
        return client.request_images(self.seeds, "sample_from_seeds", transport, body_format,
                                     "127.0.0.1", self.rest_port, self.grpc_port,
                                     output=output)

    def test_rest_row_and_columnar_requests_return_the_signatures_images(self):
        for body_format in client.BODY_FORMATS:
            images = self.request("rest", body_format)
            self.assertAllClose(images, self.expected["images"], atol=1e-6)
        pixels = self.request("rest", "inputs", output="images_uint8")
        self.assertAllEqual(pixels, self.expected["images_uint8"])

    def test_grpc_request_returns_the_signatures_images(self):
        self.assertAllEqual(self.request("grpc"), self.expected["images"])

    def test_main_writes_a_png_grid(self):
        out = os.path.join(self.workdir, "grid.png")
        code = client.main(["--n", "4", "--out", out, "--host", "127.0.0.1",
                            "--rest-port", str(self.rest_port)])
        self.assertEqual(code, 0)
        self.assertTrue(os.path.isfile(out))
        code = client.main(["--n", "2", "--out", out, "--protocol", "grpc", "--host",
                            "127.0.0.1", "--grpc-port", str(self.grpc_port), "--signature",
                            "serving_default", "--latent-dim", str(LATENT_DIM)])
        self.assertEqual(code, 0)


class RefusedRequestClientTest(tf.test.TestCase):
    """A request over the export's limits (export/limits.py) is refused by the server; the
    client raises ``RequestRefused`` with the reason in one line and its command line ends
    with that line instead of a traceback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        keras.utils.set_random_seed(0)
        generator = DCGANGenerator(latent_dim=LATENT_DIM, image_size=28, base_filters=4)
        cls.signatures = tf.saved_model.load(export_saved_model(
            generator, tempfile.mkdtemp(), max_batch=4)).signatures
        cls.http, cls.rest_port = start_rest_stand_in(cls.signatures)
        cls.grpc_server, cls.grpc_port = start_grpc_stand_in(cls.signatures)

    @classmethod
    def tearDownClass(cls):
        cls.http.shutdown()
        cls.grpc_server.stop(None)
        super().tearDownClass()

    def request(self, values, signature="sample_from_seeds", transport="rest",
                body_format="instances"):
        return client.request_images(values, signature, transport, body_format, "127.0.0.1",
                                     self.rest_port, self.grpc_port)

    def test_over_limit_batch_is_refused_with_the_reason_in_one_line(self):
        reason = ("seeds: 5 rows in one request; this model takes at most 4 (max_batch, set "
                  "at export)")
        for transport, body_format in (("rest", "instances"), ("rest", "inputs"),
                                       ("grpc", "instances")):
            with self.subTest(transport=transport, body_format=body_format):
                with self.assertRaises(client.RequestRefused) as refused:
                    self.request(np.arange(5), transport=transport, body_format=body_format)
                self.assertEqual(str(refused.exception), reason)

    def test_batch_at_the_limit_is_served(self):
        for transport in client.PROTOCOLS:
            self.assertEqual(self.request(np.arange(4), transport=transport).shape,
                             (4, 28, 28, 1))

    def test_nan_z_is_refused(self):
        z = np.zeros([2, LATENT_DIM], np.float32)
        z[0, 0] = np.nan
        for transport in client.PROTOCOLS:
            with self.subTest(transport=transport):
                with self.assertRaises(client.RequestRefused) as refused:
                    self.request(z, "serving_default", transport, "inputs")
                self.assertEqual(str(refused.exception),
                                 "z: NaN or infinite values; a request takes finite numbers")

    def test_command_line_ends_with_one_line_naming_the_limit(self):
        with self.assertRaises(SystemExit) as refused:
            client.main(["--n", "5", "--out", os.path.join(tempfile.mkdtemp(), "g.png"),
                         "--host", "127.0.0.1", "--rest-port", str(self.rest_port)])
        self.assertEqual(str(refused.exception),
                         "client: error: the server refused the request: seeds: 5 rows in one "
                         "request; this model takes at most 4 (max_batch, set at export)")

    def test_refusal_reason_is_the_assertion_of_tf_serving_and_in_process_messages(self):
        served = ("assertion failed: [seeds: 5 rows in one request]\n\t "
                  "[[{{function_node __inference_checked_1}}{{node Assert/Assert}}]]")
        self.assertEqual(protocol.refusal_reason(served), "seeds: 5 rows in one request")
        in_process = ("Graph execution error:\n\nDetected at node Assert/Assert defined at "
                      "(most recent call last):\n<stack traces unavailable>\n" + served
                      + " [Op:__inference_signature_wrapper_2]")
        self.assertEqual(protocol.refusal_reason(in_process), "seeds: 5 rows in one request")
        self.assertEqual(protocol.refusal_reason("Servable not found for request"),
                         "Servable not found for request")


class TranslatorClientTest(tf.test.TestCase):
    """The client's image mode against a served translator (stand-ins as above)."""

    def test_image_files_round_trip_through_both_transports_and_signatures(self):
        from PIL import Image

        from tfgan_suite.gans import CycleGAN
        from tfgan_suite.networks import PatchGANDiscriminator, ResNetTranslator

        keras.utils.set_random_seed(1)
        model = CycleGAN(ResNetTranslator(image_size=8, filters=4, blocks=1),
                         PatchGANDiscriminator(image_size=8, filters=4, strided_layers=1))
        workdir = tempfile.mkdtemp()
        signatures = tf.saved_model.load(export_saved_model(
            model, workdir, model_name="translator", warmup_batch=0)).signatures
        server, rest_port = start_rest_stand_in(signatures)
        grpc_server, grpc_port = start_grpc_stand_in(signatures)
        self.addCleanup(server.shutdown)
        self.addCleanup(grpc_server.stop, None)
        folder = os.path.join(workdir, "edges")
        os.makedirs(folder)
        pixels = np.random.default_rng(0).integers(0, 256, [3, 8, 8], dtype=np.uint8)
        for index, image in enumerate(pixels):
            Image.fromarray(image).save(os.path.join(folder, f"{index}.png"))
        images = pixels[..., None].astype(np.float32) / 127.5 - 1.0
        for signature in ("translate_b2a", "translate_b2a_uint8"):
            for transport in client.PROTOCOLS:
                out = os.path.join(workdir, f"{signature}_{transport}.png")
                self.assertEqual(client.main([
                    "--signature", signature, "--images", folder, "--out", out,
                    "--protocol", transport, "--host", "127.0.0.1", "--rest-port",
                    str(rest_port), "--grpc-port", str(grpc_port), "--model", "translator"]),
                    0)
                self.assertTrue(os.path.isfile(out))
            served = client.request_images(
                pixels[..., None] if signature.endswith("uint8") else images, signature,
                "rest", "inputs", "127.0.0.1", rest_port, grpc_port)
            self.assertAllClose(served, model.translate(images, "b2a"), atol=1e-5)
        # Wrong input: the server names the shape its translator takes; the client refuses
        # images of two shapes in one request and --images on a generator's signature.
        with self.assertRaisesRegex(RuntimeError, r"expected shape \[\?,8,8,1\]"):
            client.request_images(np.zeros([1, 4, 4, 1], np.float32), "translate_a2b",
                                  "rest", "inputs", "127.0.0.1", rest_port, grpc_port)
        Image.fromarray(np.zeros([4, 4], np.uint8)).save(os.path.join(folder, "small.png"))
        with self.assertRaisesRegex(SystemExit, r"--images: small.png is 4x4 with 1 "
                                    r"channel\(s\); one request takes images of one shape, "
                                    r"and 0.png makes it 8x8 images with 1 channel\(s\)"):
            client.main(["--signature", "translate_a2b", "--images", folder])
        with self.assertRaisesRegex(SystemExit, r"--images: required with --signature "
                                    r"translate_a2b"):
            client.main(["--signature", "translate_a2b"])
        with self.assertRaisesRegex(SystemExit, r"--images: applies to the translate_\* "
                                    r"signatures only"):
            client.main(["--images", folder])


class ModelServerIntegrationTest(tf.test.TestCase):
    """The real server: export → tensorflow_model_server → REST and gRPC round trips."""

    def setUp(self):
        self.binary = shutil.which("tensorflow_model_server")
        if self.binary is None:
            self.skipTest("tensorflow_model_server is not installed (TF Serving ships only as "
                          "Docker image / Google apt repo)")

    def test_served_generator_answers_rest_and_grpc_like_the_saved_model(self):
        workdir = tempfile.mkdtemp()
        version_dir = export_small_generator(os.path.join(workdir, "models"))
        config = os.path.join(workdir, "models.config")
        base_path = os.path.dirname(version_dir)
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(f'model_config_list {{ config {{ name: "generator" '
                         f'base_path: "{base_path}" model_platform: "tensorflow" }} }}')
        rest_port, grpc_port = free_port(), free_port()
        server = subprocess.Popen(
            [self.binary, f"--port={grpc_port}", f"--rest_api_port={rest_port}",
             f"--model_config_file={config}", "--enable_batching=true",
             f"--batching_parameters_file={os.path.join(SERVING, 'batching.config')}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._wait_until_available(rest_port)
            seeds = np.array([1, 2], np.int64)
            expected = tf.saved_model.load(version_dir).signatures["sample_from_seeds"](
                seeds=tf.constant(seeds))["images"]
            for transport, body_format in [("rest", "instances"), ("rest", "inputs"),
                                           ("grpc", "instances")]:
                images = client.request_images(seeds, "sample_from_seeds", transport,
                                               body_format, "127.0.0.1", rest_port, grpc_port)
                self.assertAllClose(images, expected, atol=1e-5)
        finally:
            server.terminate()
            server.wait(timeout=30)

    def _wait_until_available(self, port, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models/generator",
                                            timeout=2) as response:
                    states = [v["state"] for v in json.load(response)["model_version_status"]]
                if "AVAILABLE" in states:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.fail(f"tensorflow_model_server did not report the model AVAILABLE in {timeout} s")


if __name__ == "__main__":
    tf.test.main()


class VoiceConversionClientTest(tf.test.TestCase):
    """``--signature convert_<s>_to_<t> --wav``: the WAV analysed here, its features sent
    over REST and gRPC, the answer synthesised into a WAV; both transports give the
    signature's own conversion."""

    def test_wav_round_trip_over_rest_and_grpc(self):
        from tfgan_suite import networks
        from tfgan_suite.audio import analysis as speech_analysis
        from tfgan_suite.audio import io as audio_io
        from tfgan_suite.audio.prosody import NormStats
        from tfgan_suite.data.voices.statistics import SpeakerStatistics
        from tfgan_suite.gans import CycleGANVC

        keras.utils.set_random_seed(0)
        shared = {"dims": 24, "frames": 32}
        model = CycleGANVC(networks.build_generator(
            {"name": "vc_gated_1d", "channels": 4, "blocks": 1}, **shared),
            networks.build_discriminator({"name": "vc_full", "channels": 4}, **shared),
            domains=("a", "b"), pool_shape=(32, 24))
        rng = np.random.default_rng(0)
        speakers = {name: SpeakerStatistics(NormStats(rng.normal(size=25) * 0.1,
                                                      np.full(25, 0.5)), np.log(f), 0.1)
                    for name, f in (("a", 110.0), ("b", 220.0))}
        workdir = tempfile.mkdtemp()
        signatures = tf.saved_model.load(export_saved_model(
            model, workdir, model_name="voices", statistics=speakers)).signatures
        frames = 240
        mcep = np.zeros((frames, 25))
        mcep[:, 0] = -2.0
        mcep[:, 1] = 0.5
        wave = speech_analysis.synthesise(np.full(frames, 120.0), mcep,
                                          np.zeros((frames, 257)), 16000)
        source = os.path.join(workdir, "in.wav")
        audio_io.write_wav(source, wave)
        analysis = speech_analysis.analyse(audio_io.read_wav(source), 16000)
        expected = signatures["convert_a_to_b"](
            mcep=tf.constant(analysis.mcep[None], tf.float32),
            f0=tf.constant(analysis.f0[None], tf.float32))
        http_server, rest_port = start_rest_stand_in(signatures)
        grpc_server, grpc_port = start_grpc_stand_in(signatures)
        try:
            for transport in ("rest", "grpc"):
                with self.subTest(transport=transport):
                    mcep_out, f0_out = client.request_conversion(
                        analysis.mcep, analysis.f0, "convert_a_to_b", transport,
                        "127.0.0.1", rest_port, grpc_port, "voices")
                    self.assertAllClose(mcep_out, expected["mcep"][0], atol=1e-5)
                    self.assertAllClose(f0_out, expected["f0"][0], rtol=1e-5)
            out = os.path.join(workdir, "out.wav")
            self.assertEqual(client.main(["--model", "voices", "--signature", "convert_a_to_b",
                                          "--wav", source, "--out", out, "--host",
                                          "127.0.0.1", "--rest-port", str(rest_port)]), 0)
            # The WAV is WORLD's synthesis of the signature's answer with the source's
            # aperiodicity (16-bit PCM on disk; WORLD's aperiodic noise differs per call).
            expected_wave = speech_analysis.synthesise(
                np.asarray(expected["f0"][0], np.float64),
                np.asarray(expected["mcep"][0], np.float64), analysis.ap, 16000)
            written = audio_io.read_wav(out)
            self.assertEqual(written.shape, expected_wave.shape)
            self.assertGreater(np.corrcoef(written, np.clip(expected_wave, -1, 1))[0, 1], 0.9)
        finally:
            http_server.shutdown()
            grpc_server.stop(None)
        with self.assertRaisesRegex(SystemExit, "--wav: required with --signature"):
            client.main(["--signature", "convert_a_to_b", "--out", out])
        with self.assertRaisesRegex(SystemExit, "--signature: unknown value 'nope'"):
            client.main(["--signature", "nope"])
