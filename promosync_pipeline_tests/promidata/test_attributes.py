"""Nothing of the file is lost: what no typed field holds lands in ``attributes``, as given."""

from promosync_pipeline.promidata import parse_product
from promosync_pipeline_tests.promidata.builders import (
    IMG,
    LANGS,
    block,
    child,
    dumps,
    family,
    option,
    position,
    prices,
    tier,
)


def parse(doc, **kwargs):
    return parse_product(dumps(doc), "A23/A23-100.json", **kwargs)


def two_children() -> dict:
    return family("A23-100", [child("A23-100-1"), child("A23-100-2", search_color="Blue")])


def test_unknown_keys_at_any_depth_land_in_the_nearest_record():
    doc = family("A23-100", [child("A23-100-1")])
    opt = option("A23-PAD_1C", NewFlag=True)
    opt["ImprintCosts"][0]["Budget"] = {"Max": 3}
    opt["ProductPriceCountryBased"]["BENELUX"]["Note"] = "list price"
    opt["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][1]["Code"] = "B"
    kid = doc["ChildProducts"][0]
    kid["ImprintPositions"] = [position("front", [opt], Shape="round")]
    kid["Novelty"] = ["a", {"b": None, "c": 1}]
    kid["ProductDetails"]["de"]["Slogan"] = "Neu"
    doc["Revision"] = 7
    doc["NonLanguageDependedProductDetails"]["Colour Family"] = "dark"
    fam = parse(doc)
    (variant,) = fam.variants
    (front,) = variant.positions
    (read,) = front.options
    assert fam.attributes["Revision"] == 7
    assert fam.attributes["NonLanguageDependedProductDetails"]["Colour Family"] == "dark"
    assert variant.attributes["Novelty"] == ["a", {"c": 1}]
    assert variant.attributes["ProductDetails"]["de"]["Slogan"] == "Neu"
    assert front.attributes == {"Shape": "round"}
    assert read.attributes == {
        "PrintColor": 0,
        "NewFlag": True,
        "ProductPriceCountryBased": {
            "BENELUX": {
                "Note": "list price",
                "RecommendedSellingPrice": [{}, {"Code": "B"}, {}, {}, {}, {}, {}, {}, {}],
            }
        },
    }
    assert read.charges[0].attributes == {"Budget": {"Max": 3}}


def test_null_and_empty_values_are_left_out_and_arrays_keep_their_positions():
    doc = family("A23-100", [child("A23-100-1")])
    doc["Extra"] = {"a": None, "b": {}, "c": [], "d": {"e": None}, "f": [None, {}, 0, {"g": []}]}
    doc["Errors"] = {}
    doc["Warnings"] = {"W": None}
    fam = parse(doc)
    assert fam.attributes["Extra"] == {"f": [None, {}, 0, {}]}
    assert "Errors" not in fam.attributes and "Warnings" not in fam.attributes


def test_labelled_facts_keep_their_language_and_the_material_value_is_taken():
    doc = two_children()
    for lang in LANGS:
        doc["ProductDetails"][lang]["WebShopInformation"]["Compliance"] = {
            "InformationLabel": f"Compliance {lang}",
            "InformationValue": f"REACH {lang}",
        }
    doc["ProductDetails"]["fr"]["UnstructuredInformation"] = {"PMSValue": "Black"}
    fam = parse(doc)
    assert fam.material["fr"] == "cotton fr"
    left = fam.attributes["ProductDetails"]["fr"]
    assert {k: v for k, v in left.items() if k not in ("Image", "MediaGalleryImages")} == {
        "IsActive": True,
        "UnstructuredInformation": {"PMSValue": "Black"},
        "WebShopInformation": {
            "Material": {"InformationLabel": "Material"},
            "Compliance": {"InformationLabel": "Compliance fr", "InformationValue": "REACH fr"},
        },
    }
    assert fam.variants[0].attributes["ProductDetails"]["fr"] == {
        "WebShopInformation": {"Material": {"InformationLabel": "Material"}}
    }


def test_child_texts_equal_to_the_familys_are_taken_other_ones_kept():
    doc = two_children()
    kid = doc["ChildProducts"][1]["ProductDetails"]
    kid["en"]["Name"] = "Tote, blue edition"
    kid["de"]["Description"] = None
    kid["nl"]["ShortDescription"] = "  "
    kid["fr"]["WebShopInformation"]["Material"]["InformationValue"] = "lin"
    first, second = parse(doc).variants
    assert "Name" not in str(first.attributes)
    left = second.attributes["ProductDetails"]
    assert left["en"]["Name"] == "Tote, blue edition"
    assert "Description" not in left["de"] and "ShortDescription" not in left["nl"]
    assert left["fr"]["WebShopInformation"]["Material"] == {
        "InformationLabel": "Material",
        "InformationValue": "lin",
    }


def test_a_childs_is_active_other_than_the_variants_is_kept():
    doc = two_children()
    doc["ChildProducts"][0]["ProductDetails"]["de"]["IsActive"] = False
    doc["ChildProducts"][1]["ProductDetails"]["nl"]["IsActive"] = "true"
    first, second = parse(doc).variants
    assert first.is_active
    assert first.attributes["ProductDetails"]["de"]["IsActive"] is False
    assert "IsActive" not in str(second.attributes)


def test_configuration_fields_are_kept_whole():
    fields = [
        {"ConfigurationName": "Color", "ConfigurationNameTranslated": "Farbe",
         "ConfigurationValue": "schwarz"},
        {"ConfigurationName": "Size", "ConfigurationValue": "XL"},
    ]  # fmt: skip
    doc = family("A23-100", [child("A23-100-1")])
    doc["ChildProducts"][0]["ProductDetails"]["de"]["ConfigurationFields"] = fields
    (variant,) = parse(doc).variants
    assert (variant.color_label, variant.size) == ({"de": "schwarz"}, "XL")
    assert variant.attributes["ProductDetails"]["de"]["ConfigurationFields"] == fields


def test_facts_of_the_parent_no_variant_takes_over_stay_with_the_family():
    doc = two_children()
    facts = doc["NonLanguageDependedProductDetails"]
    facts.update(CountryOfOrigin="CHN", Fragile=False, OuterCartonQuantityPerCarton=0)
    doc["ChildProducts"][1]["NonLanguageDependedProductDetails"]["DimensionsLength"] = None
    fam = parse(doc)
    left = fam.attributes["NonLanguageDependedProductDetails"]
    # every child has its own weight: the parent's 0 is kept; the width (null on the children)
    # and the length (null on one child) are taken; "Undefined" and a carton of 0 mean none
    assert left == {"Weight": 0, "DimensionsHeight": 0, "DimensionsDiameter": 0, "Fragile": False}
    assert fam.variants[1].length_mm == 0.0
    assert [v.country_of_origin for v in fam.variants] == ["CHN", "CHN"]


def test_child_brand_and_category_other_than_the_familys_are_kept():
    doc = two_children()
    doc["ChildProducts"][0]["NonLanguageDependedProductDetails"]["Brand"] = "Acme Bags"
    doc["ChildProducts"][1]["NonLanguageDependedProductDetails"].update(
        Brand="Other", Category="BAGS/TOTES", DimensionsDepth=12, SearchColor="Undefined"
    )
    first, second = parse(doc).variants
    assert "NonLanguageDependedProductDetails" not in first.attributes
    assert second.attributes["NonLanguageDependedProductDetails"] == {
        "Brand": "Other",
        "Category": "BAGS/TOTES",
        "DimensionsDepth": 12,
    }
    assert second.color is None


def test_image_descriptions_and_other_file_names_are_kept_at_their_path():
    doc = family("A23-100", [child("A23-100-1", gallery=["g1", "g2"])])
    details = doc["ChildProducts"][0]["ProductDetails"]
    details["de"]["MediaGalleryImages"][1]["Description"] = "Rückseite"
    details["nl"]["Image"]["FileName"] = "andere.jpg"
    details["en"]["Image"]["Description"] = "   "
    (variant,) = parse(doc).variants
    assert [i.file_name for i in variant.images] == ["main-1.jpg", "g1.jpg", "g2.jpg"]
    left = variant.attributes["ProductDetails"]
    assert left["de"]["MediaGalleryImages"] == [{}, {"Description": "Rückseite"}]
    assert left["nl"]["Image"] == {"FileName": "andere.jpg"}
    assert "Image" not in left["en"]


def test_parent_images_are_taken_when_a_variant_inherits_them_kept_whole_otherwise():
    kept = parse(family("A23-100", [child("A23-100-1")])).attributes["ProductDetails"]["de"]
    assert kept["Image"] == {"Url": IMG.format("parent-main"), "FileName": "parent-main.jpg"}
    assert kept["MediaGalleryImages"] == [
        {"Url": IMG.format("parent-g1"), "FileName": "parent-g1.jpg", "Description": ""}
    ]
    doc = family("A23-100", [child("A23-100-1", main=None, gallery=[])])
    fam = parse(doc)
    assert fam.variants[0].images[0].url == IMG.format("parent-main")
    assert "Image" not in fam.attributes["ProductDetails"]["de"]
    assert "MediaGalleryImages" not in fam.attributes["ProductDetails"]["de"]


def test_parent_prices_are_taken_when_a_variant_inherits_them():
    own = prices(FRANCE=([tier(3.5, 1)], []))
    inherited = parse(family(children=[child("A23-100-1"), child("A23-100-2", price_block=own)]))
    assert "ProductPriceCountryBased" not in inherited.attributes
    whole = parse(family(children=[child("A23-100-2", price_block=own)]))
    assert whole.attributes["ProductPriceCountryBased"]["BENELUX"]["GeneralBuyingPrice"][1] == {
        "Price": 5.5, "Quantity": 100, "OnRequest": False, "Valuta": "EURO",
    }  # fmt: skip


def test_a_childs_price_block_without_tiers_is_kept_whole():
    own = {"BENELUX": block([], minimum=50)}
    (variant,) = parse(family(children=[child("A23-100-1", price_block=own)])).variants
    assert variant.price_tiers and variant.price_terms[0].min_order_quantity == 1
    assert variant.attributes["ProductPriceCountryBased"] == {
        "BENELUX": {"QuantityIncrements": 1, "VatPercentage": 0, "MinimumOrderQuantity": 50,
                    "VatSettingId": 1}
    }  # fmt: skip


def test_repeated_tiers_and_prices_of_on_request_tiers_are_kept_at_their_index():
    own = {"BENELUX": block([tier(2.0, 1), tier(1.0, 1), tier(9.0, 100, on_request=True)])}
    (variant,) = parse(family(children=[child("A23-100-1", price_block=own)])).variants
    assert [(t.min_quantity, t.price, t.on_request) for t in variant.price_tiers][-1] == (
        100, None, True,
    )  # fmt: skip
    assert variant.attributes["ProductPriceCountryBased"] == {
        "BENELUX": {
            "RecommendedSellingPrice": [
                {},
                {"Price": 1.0, "Quantity": 1, "OnRequest": False, "Valuta": "EURO"},
                {"Price": 9.0},
            ]
        }
    }


def test_a_supplier_code_other_than_the_familys_is_kept():
    doc = family("A23-100", [child("A23-100-1")])
    doc["ChildProducts"][0]["ANumber"] = "A24"
    fam = parse(doc, supplier_code="A23")
    assert "ANumber" not in fam.attributes
    assert fam.variants[0].attributes["ANumber"] == "A24"
    assert parse(doc, supplier_code="A99").attributes["ANumber"] == "A23"


def test_a_language_repeated_in_another_case_is_kept_whole():
    doc = family("A23-100", [child("A23-100-1")])
    doc["ProductDetails"]["DE"] = {"Name": "Tasche (alt)", "IsActive": True}
    fam = parse(doc)
    assert fam.name["de"] == "Tote (de)"
    assert fam.attributes["ProductDetails"]["DE"] == {"Name": "Tasche (alt)", "IsActive": True}


def test_root_blocks_of_unknown_shape_are_kept_as_given():
    doc = family("A23-100", [child("A23-100-1")])
    doc.update(
        ChildHasErrors=False, VideoUrl="https://video.test/1", ProductCertificates={"GOTS": 1},
        BatteryInformation=None, ForbiddenRegions=["CH"], ProductCosts=[], ImprintReferences={},
    )  # fmt: skip
    fam = parse(doc)
    kept = {
        "ChildHasErrors": False,
        "VideoUrl": "https://video.test/1",
        "ProductCertificates": {"GOTS": 1},
        "ForbiddenRegions": ["CH"],
    }
    assert {key: fam.attributes[key] for key in kept} == kept
    assert not {"BatteryInformation", "ProductCosts", "ImprintReferences"} & set(fam.attributes)
