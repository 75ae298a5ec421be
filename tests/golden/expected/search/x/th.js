(self.siteSearchData=self.siteSearchData||{})["x/th"]={"df":"01","terms":"those"};
