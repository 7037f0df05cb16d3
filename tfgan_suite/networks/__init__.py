"""Generator and discriminator families; each is a registered functional ``keras.Model``."""

from tfgan_suite.networks.base import DISCRIMINATORS, GENERATORS, Network, build
from tfgan_suite.networks.biggan import BigGANDiscriminator, BigGANGenerator
from tfgan_suite.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from tfgan_suite.networks.kerasio import KerasIOWGANCritic, KerasIOWGANGenerator
from tfgan_suite.networks.lapgan import LAPGANDiscriminator, LAPGANGenerator
from tfgan_suite.networks.mlp import MLPDiscriminator, MLPGenerator
from tfgan_suite.networks.msggan import MSGGANDiscriminator, MSGGANGenerator
from tfgan_suite.networks.postfilter import PostfilterDiscriminator, PostfilterGenerator
from tfgan_suite.networks.progan import ProGANDiscriminator, ProGANGenerator
from tfgan_suite.networks.resnet import ResNetDiscriminator, ResNetGenerator
from tfgan_suite.networks.sagan import SAGANDiscriminator, SAGANGenerator
from tfgan_suite.networks.stackgan import (
    StackGANDiscriminator,
    StackGANStage1Generator,
    StackGANStage2Generator,
)
from tfgan_suite.networks.stylegan import StyleGANDiscriminator, StyleGANGenerator
from tfgan_suite.networks.stylegan2 import StyleGAN2Discriminator, StyleGAN2Generator
from tfgan_suite.networks.translation import (
    PatchGANDiscriminator,
    ResNetTranslator,
    UNetTranslator,
)
from tfgan_suite.networks.voice import (
    FullDiscriminator,
    GatedCNN1DGenerator,
    GatedCNN212DGenerator,
    GatedPatchGANDiscriminator,
)
from tfgan_suite.networks.voice_stargan import (
    DomainClassifier,
    ProjectionDiscriminator,
    StarGANVC2Generator,
    StarGANVCDiscriminator,
    StarGANVCGenerator,
)


def build_generator(spec: dict, **defaults) -> Network:
    """``{"name": "dcgan", **options}`` → generator; ``defaults`` fill unset shared options."""
    return build(GENERATORS, spec, "generator", **defaults)


def build_discriminator(spec: dict, **defaults) -> Network:
    """``{"name": "dcgan", **options}`` → discriminator; ``defaults`` fill unset shared
    options."""
    return build(DISCRIMINATORS, spec, "discriminator", **defaults)


__all__ = ["GENERATORS", "DISCRIMINATORS", "Network", "build_generator",
           "build_discriminator", "MLPGenerator", "MLPDiscriminator", "DCGANGenerator",
           "DCGANDiscriminator", "KerasIOWGANGenerator", "KerasIOWGANCritic",
           "ResNetGenerator", "ResNetDiscriminator", "SAGANGenerator", "SAGANDiscriminator",
           "BigGANGenerator", "BigGANDiscriminator", "ProGANGenerator",
           "ProGANDiscriminator", "StyleGANGenerator", "StyleGANDiscriminator",
           "StyleGAN2Generator", "StyleGAN2Discriminator", "MSGGANGenerator",
           "MSGGANDiscriminator", "LAPGANGenerator", "LAPGANDiscriminator",
           "StackGANStage1Generator", "StackGANStage2Generator", "StackGANDiscriminator",
           "ResNetTranslator", "UNetTranslator", "PatchGANDiscriminator",
           "GatedCNN1DGenerator", "GatedCNN212DGenerator", "FullDiscriminator",
           "GatedPatchGANDiscriminator", "StarGANVCGenerator", "StarGANVCDiscriminator",
           "DomainClassifier", "StarGANVC2Generator", "ProjectionDiscriminator",
           "PostfilterGenerator", "PostfilterDiscriminator"]
