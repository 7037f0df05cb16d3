"""Keras models that own adversarial training; ``GANS`` maps ``model:`` names to classes."""

from tfgan_suite.gans.ambient import AmbientGAN
from tfgan_suite.gans.base import AdversarialModel
from tfgan_suite.gans.cfgan import CFGAN
from tfgan_suite.gans.conditional import ACGAN, ConditionalGAN
from tfgan_suite.gans.cpgan import CPGAN
from tfgan_suite.gans.cyclegan import CycleGAN
from tfgan_suite.gans.info import DTLCGAN, InfoGAN
from tfgan_suite.gans.lapgan import LAPGAN, ConditionalLAPGAN
from tfgan_suite.gans.msggan import MSGGAN
from tfgan_suite.gans.nrgan import NRGAN
from tfgan_suite.gans.pix2pix import Pix2Pix
from tfgan_suite.gans.postfilter import GANVC, GANPostfilter, GANPostfilterSTFT
from tfgan_suite.gans.progan import ProGAN
from tfgan_suite.gans.rgan import RACGAN, RCGAN
from tfgan_suite.gans.s3gan import S3GAN
from tfgan_suite.gans.self_supervised import SSGAN
from tfgan_suite.gans.stackgan import StackGAN
from tfgan_suite.gans.stargan_vc import StarGANVC, StarGANVC2
from tfgan_suite.gans.stylegan import StyleGAN, StyleGAN2
from tfgan_suite.gans.voice_conversion import CycleGANVC, CycleGANVC2
from tfgan_suite.registry import Registry

GANS: Registry[type] = Registry("model")
GANS.add("gan", AdversarialModel)
GANS.add("cgan", ConditionalGAN)
GANS.add("acgan", ACGAN)
GANS.add("racgan", RACGAN)
GANS.add("rcgan", RCGAN)
GANS.add("cpgan", CPGAN)
GANS.add("s3gan", S3GAN)
GANS.add("ambientgan", AmbientGAN)
GANS.add("ssgan", SSGAN)
GANS.add("nrgan", NRGAN)
GANS.add("infogan", InfoGAN)
GANS.add("cfgan", CFGAN)
GANS.add("dtlcgan", DTLCGAN)
GANS.add("progan", ProGAN)
GANS.add("stylegan", StyleGAN)
GANS.add("stylegan2", StyleGAN2)
GANS.add("msggan", MSGGAN)
GANS.add("lapgan", LAPGAN)
GANS.add("lapgan_cond", ConditionalLAPGAN)
GANS.add("stackgan", StackGAN)
GANS.add("cyclegan", CycleGAN)
GANS.add("pix2pix", Pix2Pix)
GANS.add("cyclegan_vc", CycleGANVC)
GANS.add("cyclegan_vc2", CycleGANVC2)
GANS.add("stargan_vc", StarGANVC)
GANS.add("stargan_vc2", StarGANVC2)
GANS.add("ganpf", GANPostfilter)
GANS.add("ganpf_stft", GANPostfilterSTFT)
GANS.add("ganvc", GANVC)

__all__ = ["AdversarialModel", "AmbientGAN", "CFGAN", "ConditionalGAN", "ConditionalLAPGAN",
           "ACGAN", "RACGAN", "RCGAN", "CPGAN", "CycleGAN", "CycleGANVC", "CycleGANVC2",
           "DTLCGAN", "GANPostfilter", "GANPostfilterSTFT", "GANVC", "InfoGAN", "LAPGAN",
           "MSGGAN", "NRGAN", "Pix2Pix", "ProGAN", "S3GAN", "SSGAN", "StackGAN", "StyleGAN",
           "StyleGAN2", "StarGANVC", "StarGANVC2", "GANS"]
