Gem::Specification.new do |s|
  s.name = "shop"
  s.version = "0.1.0"
  s.summary = "fixture"
  s.authors = ["vouch"]
  s.files = []
  s.add_dependency "nokogiri", ">= 1.15"
  s.add_development_dependency "rspec", "~> 3.13"
end
