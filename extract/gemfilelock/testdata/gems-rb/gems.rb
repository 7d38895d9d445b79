source "https://rubygems.org"

gem "nokogiri" # "rack" in a comment is not a gem

group :development, :test do
  gem "rspec", "~> 3.13"

  if ENV["CI"]
    gem "rack-test"
  end
end

platforms :ruby do
  gem "racc"
end

gem "rack", group: :production
gem("mini_portile2", groups: [:test])
